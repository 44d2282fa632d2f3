#include "fuzz/event_checks.hpp"

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "common/timestamp.hpp"
#include "fuzz/check.hpp"
#include "fuzz/event_reference.hpp"
#include "fuzz/strict_json.hpp"

namespace eventsink::fuzz {
namespace {

using Code = RejectionCode;

void check_text_field(std::string_view name, const std::string& value, std::size_t limit) {
  FUZZ_CHECK(!value.empty(), std::string(name) + " is empty");
  FUZZ_CHECK(value.size() <= limit, std::string(name) + " is over its limit");
  FUZZ_CHECK(is_clean_text(value), std::string(name) + " has a control character or bad UTF-8");
}

// "2024-05-01T12:00:00.250000Z": 27 bytes, digits where the digits go.
bool is_canonical_timestamp(std::string_view text) {
  constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  return text.size() == kShape.size() &&
         std::equal(kShape.begin(), kShape.end(), text.begin(), [](char shape, char c) {
           return shape == 'd' ? c >= '0' && c <= '9' : shape == c;
         });
}

void check_timestamp(EventTime time) {
  using std::chrono::January;
  using std::chrono::sys_days;
  using std::chrono::year;
  constexpr EventTime kFirst{sys_days{year{1} / January / 1}};
  constexpr EventTime kEnd{sys_days{year{10000} / January / 1}};
  FUZZ_CHECK(time >= kFirst && time < kEnd, "timestamp outside years 0001..9999");
  const std::string text = format_timestamp(time);
  FUZZ_CHECK(is_canonical_timestamp(text), "format_timestamp wrote " + text);
  const TimestampResult reread = parse_timestamp(text);
  FUZZ_CHECK(std::holds_alternative<EventTime>(reread) && std::get<EventTime>(reread) == time,
             "parse_timestamp does not read back " + text);
}

void check_payload(const std::string& payload_json, const EventLimits& limits) {
  const JsonReading reading = read_json(payload_json);
  FUZZ_CHECK(reading.verdict == JsonReading::Verdict::kValid, "payload is not valid JSON");
  FUZZ_CHECK(reading.root.kind == JsonValue::Kind::kObject, "payload is not an object");
  FUZZ_CHECK(minify(payload_json) == payload_json, "payload is not minified");
  FUZZ_CHECK(payload_json.size() <= limits.max_payload_bytes, "payload is over its limit");
  FUZZ_CHECK(payload_problems(reading.root, limits).empty(),
             "payload is too deep, repeats a key, holds U+0000 or an unstorable number");
}

}  // namespace

bool is_clean_text(std::string_view text) {
  return is_valid_utf8(text) && std::none_of(text.begin(), text.end(), [](char c) {
           const auto byte = static_cast<unsigned char>(c);
           return byte < 0x20 || byte == 0x7f;
         });
}

bool same_event(const Event& a, const Event& b) {
  return a.topic == b.topic && a.event_id == b.event_id && a.timestamp == b.timestamp &&
         a.source == b.source && a.payload_json == b.payload_json;
}

void check_accepted_event(const Event& event, const EventLimits& limits) {
  check_text_field("topic", event.topic, limits.max_identifier_bytes);
  check_text_field("event_id", event.event_id, limits.max_identifier_bytes);
  check_text_field("source", event.source, limits.max_source_bytes);
  check_timestamp(event.timestamp);
  check_payload(event.payload_json, limits);
}

void check_rejection(const Rejection& rejection) {
  FUZZ_CHECK(to_string(rejection.code) != "unknown", "rejection code without a name");
  FUZZ_CHECK(!rejection.detail.empty(), "rejection without a reason");
  FUZZ_CHECK(is_clean_text(rejection.detail), "unclean detail: " + rejection.detail);
  FUZZ_CHECK(is_clean_text(rejection.field), "unclean field: " + rejection.field);
  const std::string described = rejection.describe();
  FUZZ_CHECK(described == (rejection.field.empty() ? rejection.detail
                                                   : rejection.field + ": " + rejection.detail),
             "describe() gave " + described);

  // Which fields each code can be about.
  const std::string& field = rejection.field;
  const auto field_is_one_of = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), field) != names.end();
  };
  switch (rejection.code) {
    case Code::kEmptyRecord:
    case Code::kRecordTooLarge:
    case Code::kInvalidUtf8:
    case Code::kNotAnObject:
      FUZZ_CHECK(field.empty(), "a record-level code with field " + field);
      break;
    case Code::kInvalidJson:
      FUZZ_CHECK(field_is_one_of({"", "payload"}), "invalid_json with field " + field);
      break;
    case Code::kDuplicateKey:
      FUZZ_CHECK(!field.empty(), "duplicate_key without the key");
      break;
    case Code::kMissingField:
    case Code::kWrongType:
    case Code::kEmptyField:
      FUZZ_CHECK(field_is_one_of({"topic", "event_id", "timestamp", "source", "payload"}),
                 "a field code with field " + field);
      break;
    case Code::kFieldTooLong:
      FUZZ_CHECK(field_is_one_of({"topic", "event_id", "source"}),
                 "field_too_long with field " + field);
      break;
    case Code::kInvalidCharacter:
      FUZZ_CHECK(field_is_one_of({"topic", "event_id", "source", "payload"}),
                 "invalid_character with field " + field);
      break;
    case Code::kInvalidTimestamp:
      FUZZ_CHECK(field == "timestamp", "invalid_timestamp with field " + field);
      break;
    case Code::kPayloadTooLarge:
    case Code::kPayloadTooDeep:
      FUZZ_CHECK(field == "payload", "a payload code with field " + field);
      break;
  }
}

void check_round_trip(EventParser& parser, const Event& event) {
  const std::string json = to_json(event);
  ParseOutcome again = parser.parse(json);
  if (json.size() > parser.limits().max_record_bytes) {
    // A record just under the limit whose timestamp was written short ("...:00Z") grows by up
    // to 8 bytes in the canonical form.
    const auto* rejection = std::get_if<Rejection>(&again);
    FUZZ_CHECK(rejection != nullptr && rejection->code == Code::kRecordTooLarge,
               "to_json text over the record limit not refused as too large: " + json);
    return;
  }
  const auto* reparsed = std::get_if<Event>(&again);
  FUZZ_CHECK(reparsed != nullptr,
             "to_json text refused: " + std::get<Rejection>(again).describe() + "\n  " + json);
  FUZZ_CHECK(same_event(*reparsed, event),
             "to_json text parses to another event:\n  " + json + "\n  " + to_json(*reparsed));
  FUZZ_CHECK(to_json(*reparsed) == json, "to_json is not a fixed point: " + json);
}

}  // namespace eventsink::fuzz
