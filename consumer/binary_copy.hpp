// PostgreSQL's binary COPY format, as far as the staging table needs it.
//
// Why binary: PostgreSQL reads a binary field by its length and converts it from its wire
// representation (a big-endian integer, microseconds for a timestamp), where the text format makes
// it scan each line for delimiters and escapes, then parse every number and timestamp from digits.
// With the staging table's rows that is about a quarter of COPY's time per row (README
// "Performance"), and the encoding side scans nothing either.
//
// The stream is a header, then rows, each its field count and then every field as its byte length
// and bytes, then a trailer ("COPY", "Binary Format" in PostgreSQL's documentation). A field's
// bytes are what the column type's receive function reads: text as UTF-8 bytes in the server's
// encoding, int4 and int8 big-endian, boolean as one byte 0 or 1, timestamptz as microseconds since
// 2000-01-01 UTC, jsonb as the version byte 1 and the JSON text.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/event.hpp"

namespace eventsink::binary_copy {

// Starts a stream: the signature, no flags (no OIDs), no header extension.
void append_header(std::string& out);

// Ends a stream; PostgreSQL refuses any byte after it.
void append_trailer(std::string& out);

// Starts a row of `fields` fields.
void append_row_start(std::string& out, std::int16_t fields);

// A field of type text (or varchar): `text` must be valid in the server's encoding, without NUL.
void append_text(std::string& out, std::string_view text);

// A field of type jsonb: `json` must be a JSON text PostgreSQL accepts.
void append_jsonb(std::string& out, std::string_view json);

void append_int4(std::string& out, std::int32_t value);
void append_int8(std::string& out, std::int64_t value);
void append_bool(std::string& out, bool value);

// A field of type timestamptz (PostgreSQL's integer timestamps, the only kind since version 10).
void append_timestamptz(std::string& out, EventTime time);

}  // namespace eventsink::binary_copy
