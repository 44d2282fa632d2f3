#include "fuzz/event_reference.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "common/timestamp.hpp"

namespace eventsink::fuzz {
namespace {

using Kind = JsonValue::Kind;
using Verdict = JsonReading::Verdict;
using Code = RejectionCode;

ExpectedRejection rejection(Code code, std::string field = "") {
  return ExpectedRejection{.codes = {code}, .field = std::move(field)};
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

bool has_nul(std::string_view text) {
  return text.find('\0') != std::string_view::npos;
}

const JsonValue* member(const JsonValue& object, std::string_view key) {
  for (const auto& member : object.members) {
    if (member.key == key) {
      return &member.value;
    }
  }
  return nullptr;
}

bool has_repeated_key(const JsonValue& object) {
  std::set<std::string_view> seen;
  return std::any_of(object.members.begin(), object.members.end(),
                     [&](const JsonMember& member) { return !seen.insert(member.key).second; });
}

// topic, event_id and source: a string, not empty, at most `limit` bytes, no control character.
std::optional<ExpectedRejection> text_problem(const JsonValue& value, const std::string& field,
                                              std::size_t limit) {
  if (value.kind != Kind::kString) {
    return rejection(Code::kWrongType, field);
  }
  if (value.string.empty()) {
    return rejection(Code::kEmptyField, field);
  }
  if (value.string.size() > limit) {
    return rejection(Code::kFieldTooLong, field);
  }
  if (has_control_character(value.string)) {
    return rejection(Code::kInvalidCharacter, field);
  }
  return std::nullopt;
}

// Adds to `found` every problem the payload walk may stop at inside `value`, which has
// `depth` containers around it. Like the parser, it does not look inside a container that is
// already too deep.
void collect_payload_problems(const JsonValue& value, std::size_t depth, const EventLimits& limits,
                              std::set<Code>& found) {
  switch (value.kind) {
    case Kind::kObject:
      if (depth + 1 > limits.max_payload_depth) {
        found.insert(Code::kPayloadTooDeep);
        return;
      }
      if (has_repeated_key(value)) {
        found.insert(Code::kDuplicateKey);
      }
      for (const auto& member : value.members) {
        if (has_nul(member.key)) {
          found.insert(Code::kInvalidCharacter);
        }
        collect_payload_problems(member.value, depth + 1, limits, found);
      }
      return;
    case Kind::kArray:
      if (depth + 1 > limits.max_payload_depth) {
        found.insert(Code::kPayloadTooDeep);
        return;
      }
      for (const auto& item : value.elements) {
        collect_payload_problems(item, depth + 1, limits, found);
      }
      return;
    case Kind::kString:
      if (has_nul(value.string)) {
        found.insert(Code::kInvalidCharacter);
      }
      return;
    case Kind::kNumber:
      if (!postgresql_can_store(value.source)) {
        found.insert(Code::kInvalidJson);
      }
      return;
    default:
      return;
  }
}

}  // namespace

bool ExpectedRejection::allows(const Rejection& rejection) const {
  const bool code_allowed = std::find(codes.begin(), codes.end(), rejection.code) != codes.end();
  const bool field_allowed = any_field ? !rejection.field.empty() : rejection.field == field;
  return code_allowed && field_allowed;
}

std::string ExpectedRejection::describe() const {
  std::string out = "a rejection with code";
  for (std::size_t i = 0; i < codes.size(); ++i) {
    out += i == 0 ? " " : " or ";
    out += to_string(codes[i]);
  }
  out += any_field ? " and any field" : " and field \"" + field + "\"";
  return out;
}

std::set<RejectionCode> payload_problems(const JsonValue& payload, const EventLimits& limits) {
  std::set<Code> found;
  collect_payload_problems(payload, 0, limits, found);
  return found;
}

bool postgresql_can_store(std::string_view number) {
  std::size_t at = !number.empty() && number[0] == '-' ? 1 : 0;
  const auto digits = [&] {
    const std::size_t begin = at;
    while (at < number.size() && is_digit(number[at])) {
      ++at;
    }
    return number.substr(begin, at - begin);
  };
  const std::string_view integer_digits = digits();
  std::string_view fraction_digits;
  if (at < number.size() && number[at] == '.') {
    ++at;
    fraction_digits = digits();
  }
  std::int64_t exponent = 0;
  if (at < number.size()) {  // 'e' or 'E'
    ++at;
    const bool negative = at < number.size() && number[at] == '-';
    if (at < number.size() && (number[at] == '-' || number[at] == '+')) {
      ++at;
    }
    std::string_view exponent_digits = digits();
    exponent_digits.remove_prefix(
        std::min(exponent_digits.find_first_not_of('0'), exponent_digits.size()));
    if (exponent_digits.size() > 10) {
      return false;  // at least 10^10 in magnitude
    }
    for (const char c : exponent_digits) {
      exponent = exponent * 10 + (c - '0');
    }
    if (exponent >= 1073741823) {
      return false;
    }
    exponent = negative ? -exponent : exponent;
  }
  const auto scale = static_cast<std::int64_t>(fraction_digits.size()) - exponent;
  if (scale > 16383) {
    return false;
  }
  // The power of ten of the first nonzero digit must be at most 131071 (131072 digits).
  if (const auto first = integer_digits.find_first_not_of('0'); first != std::string_view::npos) {
    return static_cast<std::int64_t>(integer_digits.size() - first - 1) + exponent <= 131071;
  }
  if (const auto first = fraction_digits.find_first_not_of('0'); first != std::string_view::npos) {
    return -static_cast<std::int64_t>(first + 1) + exponent <= 131071;
  }
  return true;  // zero
}

ExpectedOutcome expected_outcome(std::string_view record, const JsonReading& reading,
                                 const EventLimits& limits) {
  // The record as a whole (rules 1-5).
  if (record.empty()) {
    return rejection(Code::kEmptyRecord);
  }
  if (record.size() > limits.max_record_bytes) {
    return rejection(Code::kRecordTooLarge);
  }
  if (has_nul(record) || record.starts_with("\xEF\xBB\xBF")) {
    return rejection(Code::kInvalidJson);
  }
  if (std::all_of(record.begin(), record.end(), is_json_whitespace)) {
    return rejection(Code::kEmptyRecord);
  }
  if (!reading.valid_utf8) {
    // simdjson may meet a syntax error before it reports the UTF-8.
    return ExpectedRejection{.codes = {Code::kInvalidUtf8, Code::kInvalidJson}};
  }
  if (reading.verdict != Verdict::kValid) {
    return rejection(Code::kInvalidJson);
  }
  const JsonValue& root = reading.root;
  if (root.kind != Kind::kObject) {
    return rejection(Code::kNotAnObject);
  }
  // Repeated top-level keys (rule 6), then the fields in their order.
  if (has_repeated_key(root)) {
    return ExpectedRejection{.codes = {Code::kDuplicateKey}, .any_field = true};
  }
  static const std::array<std::string, 5> kFields = {"topic", "event_id", "timestamp", "source",
                                                     "payload"};
  std::array<const JsonValue*, 5> fields{};
  for (std::size_t i = 0; i < kFields.size(); ++i) {
    fields[i] = member(root, kFields[i]);
    if (fields[i] == nullptr) {
      return rejection(Code::kMissingField, kFields[i]);
    }
  }
  const auto& [topic, event_id, timestamp, source, payload] = fields;

  if (auto problem = text_problem(*topic, "topic", limits.max_identifier_bytes)) {
    return *problem;
  }
  if (auto problem = text_problem(*event_id, "event_id", limits.max_identifier_bytes)) {
    return *problem;
  }
  if (timestamp->kind != Kind::kString) {
    return rejection(Code::kWrongType, "timestamp");
  }
  if (timestamp->string.empty()) {
    return rejection(Code::kEmptyField, "timestamp");
  }
  const TimestampResult time = parse_timestamp(timestamp->string);
  if (!std::holds_alternative<EventTime>(time)) {
    return rejection(Code::kInvalidTimestamp, "timestamp");
  }
  if (auto problem = text_problem(*source, "source", limits.max_source_bytes)) {
    return *problem;
  }
  if (payload->kind != Kind::kObject) {
    return rejection(Code::kWrongType, "payload");
  }
  if (const std::set<Code> problems = payload_problems(*payload, limits); !problems.empty()) {
    return ExpectedRejection{.codes = std::vector<Code>(problems.begin(), problems.end()),
                             .field = "payload"};
  }
  std::string payload_json = minify(payload->source);
  if (payload_json.size() > limits.max_payload_bytes) {
    return rejection(Code::kPayloadTooLarge, "payload");
  }
  return Event{.topic = topic->string,
               .event_id = event_id->string,
               .timestamp = std::get<EventTime>(time),
               .source = source->string,
               .payload_json = std::move(payload_json)};
}

}  // namespace eventsink::fuzz
