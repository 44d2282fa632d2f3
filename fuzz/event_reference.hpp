// What EventParser::parse must answer for a record, worked out a second time.
//
// The rules are those common/event_parser.cpp states at its top, applied in the same order, but
// to strict_json's tree of the record instead of simdjson's: a straightforward restatement that
// shares no code with the parser except parse_timestamp (the timestamp grammar has unit tests of
// its own). Where the parser's answer legitimately depends on the order it meets several problems
// in (invalid UTF-8 next to a syntax error; two problems inside one payload), the expectation
// lists every code it may give.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/event.hpp"
#include "fuzz/strict_json.hpp"

namespace eventsink::fuzz {

struct ExpectedRejection {
  std::vector<RejectionCode> codes;  // the parser reports one of these
  std::string field;                 // with exactly this field, unless any_field
  bool any_field = false;            // a repeated top-level key: the field names it, maybe quoted

  // True when `rejection` is one this expectation allows.
  bool allows(const Rejection& rejection) const;
  std::string describe() const;
};

using ExpectedOutcome = std::variant<Event, ExpectedRejection>;

// `reading` is read_json(record).
ExpectedOutcome expected_outcome(std::string_view record, const JsonReading& reading,
                                 const EventLimits& limits);

// Every problem the parser's walk of a payload object may stop at (depth, repeated key, U+0000,
// a number PostgreSQL cannot store), as the code it reports it with; empty for a storable payload.
std::set<RejectionCode> payload_problems(const JsonValue& payload, const EventLimits& limits);

// Whether PostgreSQL's numeric type (which jsonb stores numbers as) can hold `number`, a valid
// JSON number, by the limits event_parser.cpp documents: at most 131072 digits before the decimal
// point, at most 16383 after it (written digits minus the exponent), and an exponent below
// 1073741823 in magnitude.
bool postgresql_can_store(std::string_view number);

}  // namespace eventsink::fuzz
