// libFuzzer target: EventParser::parse (common/event_parser.cpp) on arbitrary bytes.
//
// Besides "no crash, no undefined behaviour, no leak" (ASan, UBSan, LeakSanitizer), each input is
// parsed by two parsers, one with the production limits and one with tight limits (so that every
// limit is within reach of small inputs), and for each:
//   1. the outcome is the one event_reference.hpp works out on its own from the rules: the same
//      event, field by field and byte for byte, or a rejection with an allowed code and field;
//   2. an accepted event keeps the promises event_checks.hpp lists (limits, clean text, a
//      minified payload object, a printable timestamp), and round-trips: parse(to_json(e)) is
//      accepted as e, and to_json of that is the same text;
//   3. a rejection has a known code, a field that fits it and a clean, non-empty reason.
// The parsers live from one input to the next, as a consumer worker's does, so the reuse of their
// buffers is exercised too: state left over from an earlier record would change an outcome.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/event.hpp"
#include "fuzz/check.hpp"
#include "fuzz/event_checks.hpp"
#include "fuzz/event_reference.hpp"
#include "fuzz/strict_json.hpp"

namespace eventsink::fuzz {
namespace {

constexpr EventLimits kTightLimits{.max_record_bytes = 512,
                                   .max_identifier_bytes = 12,
                                   .max_source_bytes = 6,
                                   .max_payload_bytes = 48,
                                   .max_payload_depth = 3};

void check_parse(EventParser& parser, std::string_view record, const JsonReading& reading) {
  const ParseOutcome outcome = parser.parse(record);
  const ExpectedOutcome expected = expected_outcome(record, reading, parser.limits());
  if (const auto* event = std::get_if<Event>(&outcome)) {
    const auto* expected_event = std::get_if<Event>(&expected);
    FUZZ_CHECK(expected_event != nullptr, "accepted as " + to_json(*event) + "\n  expected " +
                                              std::get<ExpectedRejection>(expected).describe());
    FUZZ_CHECK(same_event(*event, *expected_event),
               "accepted as " + to_json(*event) + "\n  expected " + to_json(*expected_event));
    check_accepted_event(*event, parser.limits());
    check_round_trip(parser, *event);
    return;
  }
  const auto& rejection = std::get<Rejection>(outcome);
  check_rejection(rejection);
  const std::string rejected =
      "rejected with " + std::string(to_string(rejection.code)) + ": " + rejection.describe();
  const auto* expected_rejection = std::get_if<ExpectedRejection>(&expected);
  FUZZ_CHECK(expected_rejection != nullptr,
             rejected + "\n  expected the event " + to_json(std::get<Event>(expected)));
  FUZZ_CHECK(expected_rejection->allows(rejection),
             rejected + "\n  expected " + expected_rejection->describe());
}

}  // namespace
}  // namespace eventsink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventsink;
  static EventParser production_parser;
  static EventParser tight_parser(fuzz::kTightLimits);

  const std::string_view record(reinterpret_cast<const char*>(data), size);
  const fuzz::JsonReading reading = fuzz::read_json(record);
  fuzz::check_parse(production_parser, record, reading);
  fuzz::check_parse(tight_parser, record, reading);
  return 0;
}
