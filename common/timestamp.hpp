// Strict ISO-8601 / RFC 3339 timestamps for events.
//
// Accepted grammar (nothing else; no leading or trailing whitespace):
//
//   YYYY-MM-DD SEP HH:MM:SS [FRACTION] [ZONE]
//   SEP      = "T" | "t" | " "              (exactly one character)
//   FRACTION = "." 1*9DIGIT                 (truncated, not rounded, to microseconds)
//   ZONE     = "Z" | "z" | ("+"|"-") HH ":" MM | ("+"|"-") HHMM
//
// Ranges: year 0001..9999; month 01..12; the day must exist in that month and year (2023-02-29 is
// refused, 2024-02-29 is fine); hour 00..23 (no "24:00:00"); minute 00..59; second 00..59 (leap
// second 60 is refused: std::chrono::sys_time cannot represent it); zone offset hours 00..23 and
// minutes 00..59, so at most +-23:59. "-00:00" means UTC. Every field has exactly the number of
// digits shown (no signs, no spaces, no "2024-5-1").
//
// PROJECT DECISION: a timestamp without a zone designator is taken to be in UTC (not in the
// local time of the machine that parses it), so every process reads the same instant from the
// same text.
//
// The result is converted to UTC and must itself lie in years 0001..9999 (so that
// "0001-01-01T00:30:00+01:00" is refused): everything parse_timestamp returns can be printed by
// format_timestamp (declared in common/event.hpp, defined in timestamp.cpp) and parsed back to
// the same value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "common/event.hpp"

namespace eventsink {

// Either the instant or a one-line reason for humans, without a "timestamp:" prefix (the caller
// names the field), e.g. "month 13 out of range (01..12)", "no such date 2023-02-29". The reason
// is valid UTF-8 without control characters: parts of the input it quotes are escaped and
// shortened.
using TimestampResult = std::variant<EventTime, std::string>;

// Never throws (except std::bad_alloc while building a reason). Does not allocate on success.
TimestampResult parse_timestamp(std::string_view text);

namespace detail {
// For error messages (used by the event parser too): `text` between double quotes, cut after
// max_bytes input bytes (then followed by ...). Double quote and backslash get a backslash,
// control characters (U+0000..U+001F, U+007F) are written \u00XX and bytes that are not valid
// UTF-8 \xNN. The result is always valid UTF-8 without control characters, so it can go into a
// PostgreSQL text column, a log line or an HTTP answer as it is.
std::string quote_for_message(std::string_view text, std::size_t max_bytes = 64);
}  // namespace detail

}  // namespace eventsink
