// What every outcome of EventParser::parse promises, whatever the input (common/event.hpp,
// common/event_parser.cpp, common/event_json.cpp), checked with FUZZ_CHECK. Shared by the fuzz
// targets of the parser and of the POST /publish body.
#pragma once

#include <string_view>

#include "common/event.hpp"

namespace eventsink::fuzz {

// An accepted event is what the sink can store: topic, event_id and source non-empty, within
// their limits, valid UTF-8 without control characters; a timestamp in years 0001..9999 that
// format_timestamp prints and parse_timestamp reads back; a payload that is a minified JSON
// object within the size and depth limits, without U+0000, repeated keys, or numbers PostgreSQL
// cannot hold.
void check_accepted_event(const Event& event, const EventLimits& limits);

// A rejection names a known code, fits its field to the code, and says why in clean text: field
// and detail valid UTF-8 without control characters (they go into a text column and HTTP
// answers), detail not empty, describe() joining them.
void check_rejection(const Rejection& rejection);

// to_json(event) is accepted by `parser` as the same event, and is a fixed point: serializing
// the result gives the same text. (Unless the text exceeds the parser's record limit, which only
// limits smaller than the defaults allow.)
void check_round_trip(EventParser& parser, const Event& event);

// Valid UTF-8 without U+0000..U+001F or U+007F: what may go into a text column, a log line or a
// JSON answer as it is.
bool is_clean_text(std::string_view text);

// Field by field, byte for byte.
bool same_event(const Event& a, const Event& b);

}  // namespace eventsink::fuzz
