// Unit tests of EventParser (common/event_parser.cpp) and to_json (common/event_json.cpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <date/date.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pthread.h>
#include <simdjson.h>

#include "common/event.hpp"
#include "common/timestamp.hpp"

// GCC 12 warns about members left to their default initializers in designated initializers
// (GCC bug 96868), which is exactly how Fields{.topic = ...} is meant to be used.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif

namespace eventsink {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
using std::chrono::microseconds;

// ---------------------------------------------------------------- helpers

// A record built from raw JSON texts of its fields; std::nullopt leaves the field out.
struct Fields {
  std::optional<std::string> topic = R"("orders")";
  std::optional<std::string> event_id = R"("evt-1")";
  std::optional<std::string> timestamp = R"("2024-05-01T12:00:00Z")";
  std::optional<std::string> source = R"("checkout")";
  std::optional<std::string> payload = R"({"amount":42})";
  std::string extra;  // raw text after the fields, e.g. R"(,"x":1)"
};

std::string record(const Fields& f) {
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view name, const std::optional<std::string>& value) {
    if (!value) {
      return;
    }
    if (!first) {
      out += ',';
    }
    first = false;
    out += '"';
    out += name;
    out += "\":";
    out += *value;
  };
  add("topic", f.topic);
  add("event_id", f.event_id);
  add("timestamp", f.timestamp);
  add("source", f.source);
  add("payload", f.payload);
  out += f.extra;
  out += '}';
  return out;
}

std::string json_str(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Payload of nesting depth `depth` (>= 1) made of objects: {"v":{"v":...{"v":0}}}.
std::string nested_objects(int depth) {
  std::string out;
  for (int i = 0; i < depth; ++i) {
    out += R"({"v":)";
  }
  out += '0';
  out.append(static_cast<std::size_t>(depth), '}');
  return out;
}

// Payload of nesting depth `depth` (>= 1): an object around depth-1 arrays.
std::string nested_arrays(int depth) {
  return R"({"v":)" + std::string(static_cast<std::size_t>(depth - 1), '[') + "0" +
         std::string(static_cast<std::size_t>(depth - 1), ']') + "}";
}

bool is_clean_text(std::string_view text) {
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    return false;
  }
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

// An independent judge of JSON validity for the tests: RFC 8259, strict (what the parser
// promises), numbers by their grammar only, whatever their size. Unpaired UTF-16 surrogate
// escapes are invalid (as for simdjson and PostgreSQL); nesting is limited to 1024 levels.
// `has_nul` tells whether a string or key contains \u0000.
class StrictJson {
 public:
  static bool valid(std::string_view text, bool* has_nul = nullptr) {
    if (!simdjson::validate_utf8(text.data(), text.size())) {
      return false;
    }
    StrictJson json(text);
    json.space();
    const bool ok = json.value(0) && (json.space(), json.at_ == text.size());
    if (has_nul != nullptr) {
      *has_nul = json.nul_;
    }
    return ok;
  }

 private:
  explicit StrictJson(std::string_view text) : text_(text) {}

  bool more() const { return at_ < text_.size(); }
  bool next_is(char c) const { return more() && text_[at_] == c; }
  bool eat(char c) {
    if (!next_is(c)) {
      return false;
    }
    ++at_;
    return true;
  }
  void space() {
    while (more() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }
  bool word(std::string_view w) {
    if (text_.substr(at_, w.size()) != w) {
      return false;
    }
    at_ += w.size();
    return true;
  }
  bool value(int depth) {
    if (!more()) {
      return false;
    }
    switch (text_[at_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        return word("true");
      case 'f':
        return word("false");
      case 'n':
        return word("null");
      default:
        return number();
    }
  }
  bool object(int depth) {
    ++at_;
    space();
    if (depth > 1024) {
      return false;
    }
    if (eat('}')) {
      return true;
    }
    while (true) {
      if (!next_is('"') || !string()) {
        return false;
      }
      space();
      if (!eat(':')) {
        return false;
      }
      space();
      if (!value(depth)) {
        return false;
      }
      space();
      if (eat('}')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
      space();
    }
  }
  bool array(int depth) {
    ++at_;
    space();
    if (depth > 1024) {
      return false;
    }
    if (eat(']')) {
      return true;
    }
    while (true) {
      if (!value(depth)) {
        return false;
      }
      space();
      if (eat(']')) {
        return true;
      }
      if (!eat(',')) {
        return false;
      }
      space();
    }
  }
  bool digits() {
    const std::size_t start = at_;
    while (more() && text_[at_] >= '0' && text_[at_] <= '9') {
      ++at_;
    }
    return at_ > start;
  }
  bool number() {
    eat('-');
    if (!eat('0') && !(more() && text_[at_] >= '1' && text_[at_] <= '9' && digits())) {
      return false;
    }
    if (eat('.') && !digits()) {
      return false;
    }
    if (eat('e') || eat('E')) {
      if (!eat('+')) {
        eat('-');
      }
      return digits();
    }
    return true;
  }
  bool hex4(unsigned& out) {
    out = 0;
    for (int i = 0; i < 4; ++i) {
      if (!more()) {
        return false;
      }
      const char c = text_[at_++];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      if (digit < 0) {
        return false;
      }
      out = out * 16 + static_cast<unsigned>(digit);
    }
    return true;
  }
  bool string() {
    ++at_;
    while (more()) {
      const auto c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') {
        return true;
      }
      if (c < 0x20) {
        return false;
      }
      if (c != '\\') {
        continue;
      }
      if (!more()) {
        return false;
      }
      switch (text_[at_++]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          break;
        case 'u': {
          unsigned unit = 0;
          if (!hex4(unit) || (unit >= 0xDC00 && unit <= 0xDFFF)) {
            return false;
          }
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            unsigned low = 0;
            if (!word("\\u") || !hex4(low) || low < 0xDC00 || low > 0xDFFF) {
              return false;
            }
          }
          nul_ = nul_ || unit == 0;
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  bool nul_ = false;
};

Event expect_event(EventParser& parser, std::string_view input) {
  ParseOutcome outcome = parser.parse(input);
  if (auto* rejection = std::get_if<Rejection>(&outcome)) {
    ADD_FAILURE() << "rejected: [" << to_string(rejection->code) << "] " << rejection->describe()
                  << "\n  input: " << detail::quote_for_message(input, 300);
    return Event{};
  }
  return std::get<Event>(std::move(outcome));
}

Rejection expect_rejection(EventParser& parser, std::string_view input) {
  ParseOutcome outcome = parser.parse(input);
  if (auto* event = std::get_if<Event>(&outcome)) {
    ADD_FAILURE() << "accepted: " << to_json(*event)
                  << "\n  input: " << detail::quote_for_message(input, 300);
    return Rejection{RejectionCode::kEmptyRecord, "<accepted>", ""};
  }
  return std::get<Rejection>(std::move(outcome));
}

void expect_same(const Event& a, const Event& b) {
  EXPECT_EQ(a.topic, b.topic);
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.payload_json, b.payload_json);
}

EventTime utc(date::sys_days day, std::int64_t micros = 0) {
  return EventTime{day.time_since_epoch()} + microseconds{micros};
}

// ---------------------------------------------------------------- the catalogue of bad input

struct BadCase {
  std::string name;
  std::string input;
  RejectionCode code;
  std::string field;
};

std::vector<BadCase> bad_cases() {
  using C = RejectionCode;
  const std::string long_id(257, 'x');
  std::string many_keys_payload = "{";
  for (int i = 0; i < 20; ++i) {
    many_keys_payload += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  many_keys_payload += R"("k7":0})";
  std::string many_extra_keys;
  for (int i = 0; i < 20; ++i) {
    many_extra_keys += ",\"x" + std::to_string(i) + "\":" + std::to_string(i);
  }
  many_extra_keys += R"(,"x13":0)";

  auto ts = [](std::string_view text) { return Fields{.timestamp = json_str(text)}; };

  return {
      // The record as a whole.
      {"empty input", "", C::kEmptyRecord, ""},
      {"whitespace only", " \t\r\n ", C::kEmptyRecord, ""},
      {"not JSON", "hello", C::kInvalidJson, ""},
      {"truncated object", R"({"topic":"orders","event_id":"e")", C::kInvalidJson, ""},
      {"truncated in a string", R"({"topic":"ord)", C::kInvalidJson, ""},
      {"truncated after a key", R"({"topic")", C::kInvalidJson, ""},
      {"lone open brace", "{", C::kInvalidJson, ""},
      {"trailing comma", R"({"topic":"a",})", C::kInvalidJson, ""},
      {"single quotes", "{'topic':'a'}", C::kInvalidJson, ""},
      {"comment", record({}) + "// c", C::kInvalidJson, ""},
      {"two objects", record({}) + record({}), C::kInvalidJson, ""},
      {"trailing junk", record({}) + " x", C::kInvalidJson, ""},
      {"NaN in payload", record({.payload = R"({"n":NaN})"}), C::kInvalidJson, ""},
      {"leading zero number", record({.payload = R"({"n":01})"}), C::kInvalidJson, ""},
      {"byte order mark", "\xEF\xBB\xBF" + record({}), C::kInvalidJson, ""},
      {"array", R"([1,2,3])", C::kNotAnObject, ""},
      {"array of the object", "[" + record({}) + "]", C::kNotAnObject, ""},
      {"string", R"("orders")", C::kNotAnObject, ""},
      {"number", "42", C::kNotAnObject, ""},
      {"null literal", "null", C::kNotAnObject, ""},
      {"true literal", "true", C::kNotAnObject, ""},
      {"only a NUL byte", "\0"s, C::kInvalidJson, ""},
      {"NUL byte inside a string", record({.source = "\"chec\0kout\""s}), C::kInvalidJson, ""},
      {"NUL byte after the object", record({}) + "\0"s, C::kInvalidJson, ""},
      {"NUL byte between tokens", "{\0"s + record({}).substr(1), C::kInvalidJson, ""},
      {"nesting deeper than 1024 in an extra field",
       record({.extra = ",\"x\":" + std::string(1100, '[') + std::string(1100, ']')}),
       C::kInvalidJson, ""},

      // UTF-8 (simdjson validates the whole record; the field cannot be known).
      {"invalid UTF-8 in a value", record({.topic = "\"ord\xff\""}), C::kInvalidUtf8, ""},
      {"invalid UTF-8 in a key", record({.extra = ",\"x\xfe\":1"}), C::kInvalidUtf8, ""},
      {"invalid UTF-8 in a payload key", record({.payload = "{\"\xc3\":1}"}), C::kInvalidUtf8, ""},
      {"invalid UTF-8 in an ignored field", record({.extra = ",\"x\":\"\x80\""}), C::kInvalidUtf8,
       ""},
      {"overlong UTF-8 for '/'", record({.event_id = "\"a\xc0\xaf\""}), C::kInvalidUtf8, ""},
      {"overlong 3-byte UTF-8", record({.event_id = "\"a\xe0\x80\xaf\""}), C::kInvalidUtf8, ""},
      {"UTF-8 encoded surrogate", record({.source = "\"\xed\xa0\x80\""}), C::kInvalidUtf8, ""},
      {"truncated UTF-8 sequence", record({.source = "\"\xe2\x82\""}), C::kInvalidUtf8, ""},
      {"UTF-8 above U+10FFFF", record({.payload = "{\"s\":\"\xf4\x90\x80\x80\"}"}), C::kInvalidUtf8,
       ""},
      {"lone high surrogate escape", record({.payload = R"({"s":"\ud800"})"}), C::kInvalidJson, ""},
      {"lone low surrogate escape", record({.event_id = R"("\udc00")"}), C::kInvalidJson, ""},
      {"high surrogate then not a low one", record({.topic = R"("\ud800\u0041")"}), C::kInvalidJson,
       ""},
      {"surrogate escape in a payload key", record({.payload = R"({"\udfff":1})"}), C::kInvalidJson,
       ""},
      {"unknown escape", record({.source = R"("a\x41")"}), C::kInvalidJson, ""},
      {"raw control character in a string", record({.source = "\"a\x01\""}), C::kInvalidJson, ""},

      // Numbers: any size is valid JSON (see EventParserGood.NumbersAreStoredExactlyAsSent), but
      // the grammar is strict, wherever the number is.
      {"number with a trailing dot", record({.payload = R"({"n":1.})"}), C::kInvalidJson, ""},
      {"number with a leading dot", record({.payload = R"({"n":.5})"}), C::kInvalidJson, ""},
      {"number with a plus sign", record({.payload = R"({"n":+1})"}), C::kInvalidJson, ""},
      {"lone minus", record({.payload = R"({"n":-})"}), C::kInvalidJson, ""},
      {"minus zero with a leading zero", record({.payload = R"({"n":-01})"}), C::kInvalidJson, ""},
      {"double zero", record({.payload = R"({"n":[00]})"}), C::kInvalidJson, ""},
      {"exponent without digits", record({.payload = R"({"n":1e})"}), C::kInvalidJson, ""},
      {"exponent with only a sign", record({.payload = R"({"n":1E+})"}), C::kInvalidJson, ""},
      {"two exponents", record({.payload = R"({"n":1e5e5})"}), C::kInvalidJson, ""},
      {"two dots", record({.payload = R"({"n":1.5.5})"}), C::kInvalidJson, ""},
      {"double minus", record({.payload = R"({"n":--1})"}), C::kInvalidJson, ""},
      {"hexadecimal", record({.payload = R"({"n":0x10})"}), C::kInvalidJson, ""},
      {"number glued to a literal", record({.payload = R"({"n":[1true]})"}), C::kInvalidJson, ""},
      {"huge number glued to a letter",
       record({.payload = R"({"n":123456789012345678901234567890x})"}), C::kInvalidJson, ""},
      {"numbers without a comma", record({.payload = R"({"n":[1 2]})"}), C::kInvalidJson, ""},
      {"huge numbers without a comma", record({.payload = R"({"n":[1e400 -1e400]})"}),
       C::kInvalidJson, ""},
      {"member without a comma after a number", record({.payload = R"({"a":1"b":2})"}),
       C::kInvalidJson, ""},
      {"trailing comma after a number", record({.payload = R"({"a":[1e400,]})"}), C::kInvalidJson,
       ""},
      {"malformed number in an ignored field", record({.extra = R"(,"n":1.e5)"}), C::kInvalidJson,
       ""},
      {"huge number as topic", record({.topic = "1e400"}), C::kWrongType, "topic"},
      {"huge integer as source", record({.source = "123456789012345678901234567890"}),
       C::kWrongType, "source"},
      // ... and PostgreSQL's numeric type (jsonb's numbers) has limits, measured on PostgreSQL
      // 15: 131072 digits before the point, 16383 after, |exponent| < 1073741823.
      {"payload number with 131073 digits before the point",
       record({.payload = R"({"n":1e131072})"}), C::kInvalidJson, "payload"},
      {"payload number 10e131071", record({.payload = R"({"a":[{"b":10e131071}]})"}),
       C::kInvalidJson, "payload"},
      {"payload number with 16384 digits after the point", record({.payload = R"({"n":1e-16384})"}),
       C::kInvalidJson, "payload"},
      {"payload zero with 16384 digits after the point", record({.payload = R"({"n":0e-16384})"}),
       C::kInvalidJson, "payload"},
      {"payload number 0.5e-16383", record({.payload = R"({"n":-0.5e-16383})"}), C::kInvalidJson,
       "payload"},
      {"payload number written with 16384 decimals",
       record({.payload = R"({"n":0.)" + std::string(16384, '0') + "}"}), C::kInvalidJson,
       "payload"},
      {"payload zero with exponent 1073741823", record({.payload = R"({"n":0e1073741823})"}),
       C::kInvalidJson, "payload"},
      {"payload exponent of 30 digits",
       record({.payload = R"({"n":0E+100000000000000000000000000000})"}), C::kInvalidJson,
       "payload"},

      // Duplicate keys.
      {"duplicate topic", record({.extra = R"(,"topic":"other")"}), C::kDuplicateKey, "topic"},
      {"duplicate payload key at top level", record({.extra = R"(,"payload":{})"}),
       C::kDuplicateKey, "payload"},
      {"duplicate written with an escape", record({.extra = R"(,"\u0074opic":"other")"}),
       C::kDuplicateKey, "topic"},
      {"duplicate ignored field", record({.extra = R"(,"x":1,"x":1)"}), C::kDuplicateKey, "x"},
      {"duplicate among many keys", record({.extra = many_extra_keys}), C::kDuplicateKey, "x13"},
      {"duplicate in payload", record({.payload = R"({"a":1,"a":2})"}), C::kDuplicateKey,
       "payload"},
      {"duplicate deep in payload", record({.payload = R"({"a":[{"b":{"c":1,"d":2,"c":1}}]})"}),
       C::kDuplicateKey, "payload"},
      {"duplicate in a large payload object", record({.payload = many_keys_payload}),
       C::kDuplicateKey, "payload"},

      // Missing fields.
      {"missing topic", record({.topic = std::nullopt}), C::kMissingField, "topic"},
      {"missing event_id", record({.event_id = std::nullopt}), C::kMissingField, "event_id"},
      {"missing timestamp", record({.timestamp = std::nullopt}), C::kMissingField, "timestamp"},
      {"missing source", record({.source = std::nullopt}), C::kMissingField, "source"},
      {"missing payload", record({.payload = std::nullopt}), C::kMissingField, "payload"},
      {"empty object", "{}", C::kMissingField, "topic"},
      {"wrong case key is not the field", R"({"Topic":"orders"})", C::kMissingField, "topic"},

      // Wrong types.
      {"topic number", record({.topic = "7"}), C::kWrongType, "topic"},
      {"topic null", record({.topic = "null"}), C::kWrongType, "topic"},
      {"topic object", record({.topic = R"({"name":"orders"})"}), C::kWrongType, "topic"},
      {"event_id number", record({.event_id = "12345"}), C::kWrongType, "event_id"},
      {"event_id array", record({.event_id = R"(["e"])"}), C::kWrongType, "event_id"},
      {"timestamp epoch number", record({.timestamp = "1714564800"}), C::kWrongType, "timestamp"},
      {"timestamp null", record({.timestamp = "null"}), C::kWrongType, "timestamp"},
      {"source boolean", record({.source = "true"}), C::kWrongType, "source"},
      {"payload array", record({.payload = "[1,2]"}), C::kWrongType, "payload"},
      {"payload string", record({.payload = R"("{\"a\":1}")"}), C::kWrongType, "payload"},
      {"payload null", record({.payload = "null"}), C::kWrongType, "payload"},
      {"payload number", record({.payload = "0"}), C::kWrongType, "payload"},

      // Empty and too long.
      {"empty topic", record({.topic = R"("")"}), C::kEmptyField, "topic"},
      {"empty event_id", record({.event_id = R"("")"}), C::kEmptyField, "event_id"},
      {"empty source", record({.source = R"("")"}), C::kEmptyField, "source"},
      {"empty timestamp", record({.timestamp = R"("")"}), C::kEmptyField, "timestamp"},
      {"topic of 257 bytes", record({.topic = json_str(long_id)}), C::kFieldTooLong, "topic"},
      {"event_id of 257 bytes", record({.event_id = json_str(long_id)}), C::kFieldTooLong,
       "event_id"},
      {"source of 257 bytes", record({.source = json_str(long_id)}), C::kFieldTooLong, "source"},
      {"topic of 129 two-byte characters", record({.topic = json_str([] {
                                                     std::string s;
                                                     for (int i = 0; i < 129; ++i)
                                                       s += "é";
                                                     return s;
                                                   }())}),
       C::kFieldTooLong, "topic"},

      // Characters.
      {"\\u0000 in topic", record({.topic = R"("ord\u0000ers")"}), C::kInvalidCharacter, "topic"},
      {"\\u0000 in event_id", record({.event_id = R"("\u0000")"}), C::kInvalidCharacter,
       "event_id"},
      {"\\u0000 in source", record({.source = R"("checkout\u0000")"}), C::kInvalidCharacter,
       "source"},
      {"\\u0000 in timestamp", record({.timestamp = R"("2024-05-01T12:00:00Z\u0000")"}),
       C::kInvalidTimestamp, "timestamp"},
      {"\\u0000 in a payload value", record({.payload = R"({"note":"a\u0000b"})"}),
       C::kInvalidCharacter, "payload"},
      {"\\u0000 in a payload key", record({.payload = R"({"a\u0000":1})"}), C::kInvalidCharacter,
       "payload"},
      {"\\u0000 deep in payload", record({.payload = R"({"a":[0,{"b":[[["x\u0000"]]]}]})"}),
       C::kInvalidCharacter, "payload"},
      {"\\u0000 in a deep payload key", record({.payload = R"({"a":[{"b":{"\u0000":null}}]})"}),
       C::kInvalidCharacter, "payload"},
      {"newline in topic", record({.topic = R"("orders\n")"}), C::kInvalidCharacter, "topic"},
      {"tab in event_id", record({.event_id = R"("e\t1")"}), C::kInvalidCharacter, "event_id"},
      {"U+001F in event_id", record({.event_id = R"("e\u001f")"}), C::kInvalidCharacter,
       "event_id"},
      {"raw DEL in source", record({.source = "\"check\x7fout\""}), C::kInvalidCharacter, "source"},
      {"escaped DEL in topic", record({.topic = R"("\u007f")"}), C::kInvalidCharacter, "topic"},

      // Payload size and depth (defaults: 64 KiB, depth 32).
      {"payload too large", record({.payload = R"({"s":")" + std::string(64 * 1024, 'x') + "\"}"}),
       C::kPayloadTooLarge, "payload"},
      {"payload objects depth 33", record({.payload = nested_objects(33)}), C::kPayloadTooDeep,
       "payload"},
      {"payload arrays depth 33", record({.payload = nested_arrays(33)}), C::kPayloadTooDeep,
       "payload"},
      {"payload depth 500", record({.payload = nested_objects(500)}), C::kPayloadTooDeep,
       "payload"},

      // Timestamps.
      {"timestamp not ISO", record(ts("yesterday")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp slashes", record(ts("2024/05/01 12:00:00")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp date only", record(ts("2024-05-01")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp month 13", record(ts("2024-13-01T00:00:00Z")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp day 32", record(ts("2024-01-32T00:00:00Z")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp Feb 29 in 2023", record(ts("2023-02-29T00:00:00Z")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp hour 24", record(ts("2024-05-01T24:00:00Z")), C::kInvalidTimestamp, "timestamp"},
      {"timestamp minute 60", record(ts("2024-05-01T12:60:00Z")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp leap second", record(ts("2016-12-31T23:59:60Z")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp offset +24:00", record(ts("2024-05-01T12:00:00+24:00")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp missing seconds", record(ts("2024-05-01T12:00Z")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp year 0000", record(ts("0000-01-01T00:00:00Z")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp trailing junk", record(ts("2024-05-01T12:00:00Z!")), C::kInvalidTimestamp,
       "timestamp"},
      {"timestamp 10 fraction digits", record(ts("2024-05-01T12:00:00.0000000001Z")),
       C::kInvalidTimestamp, "timestamp"},
      {"timestamp before year 1 in UTC", record(ts("0001-01-01T00:00:00+01:00")),
       C::kInvalidTimestamp, "timestamp"},
  };
}

TEST(EventParserCatalogue, EveryBadInputIsRejectedWithTheExactCodeAndField) {
  const std::vector<BadCase> cases = bad_cases();
  ASSERT_GE(cases.size(), 40u);
  EventParser parser;
  std::set<RejectionCode> codes_seen;
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Rejection rejection = expect_rejection(parser, c.input);
    EXPECT_EQ(to_string(rejection.code), to_string(c.code)) << rejection.describe();
    EXPECT_EQ(rejection.field, c.field) << rejection.describe();
    EXPECT_FALSE(rejection.detail.empty());
    // What goes to the dead_letters.reason text column and HTTP answers.
    EXPECT_TRUE(is_clean_text(rejection.describe())) << rejection.describe();
    EXPECT_LT(rejection.describe().size(), 600u) << "the reason must not echo huge input";
    codes_seen.insert(rejection.code);
  }
  // Every code but kRecordTooLarge (tested with small limits below) appears in the catalogue.
  EXPECT_EQ(codes_seen.size(), 13u);
}

TEST(EventParserCatalogue, OneParserGivesTheSameAnswersInAnyOrder) {
  // Buffers are reused between calls: earlier records must not leak into later answers.
  std::vector<BadCase> cases = bad_cases();
  std::mt19937 random(1);
  std::shuffle(cases.begin(), cases.end(), random);
  EventParser parser;
  const std::string good = record({});
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(expect_rejection(parser, c.input).code, c.code);
    EXPECT_EQ(expect_event(parser, good).topic, "orders");
  }
}

// ---------------------------------------------------------------- details (for humans)

std::string describe(std::string_view input, EventLimits limits = {}) {
  EventParser parser(limits);
  return expect_rejection(parser, input).describe();
}

TEST(EventParserDetails, SayWhatIsWrong) {
  EXPECT_EQ(describe(record({.topic = "7"})), "topic: must be a string, got number");
  EXPECT_EQ(describe(record({.source = "null"})), "source: must be a string, got null");
  EXPECT_EQ(describe(record({.payload = "[]"})), "payload: must be an object, got array");
  EXPECT_EQ(describe(record({.event_id = std::nullopt})), "event_id: is required");
  EXPECT_EQ(describe(record({.topic = R"("")"})), "topic: must not be empty");
  EXPECT_EQ(describe(record({.topic = json_str(std::string(300, 'a'))})),
            "topic: value is 300 bytes, limit is 256");
  EXPECT_EQ(describe(record({.topic = R"("ab\ncd")"})),
            "topic: contains control character U+000A at byte offset 2");
  EXPECT_EQ(describe(record({.event_id = R"("\u0000")"})),
            "event_id: contains control character U+0000 at byte offset 0 (PostgreSQL text "
            "cannot store U+0000)");
  EXPECT_EQ(describe(record({.timestamp = R"("2024-13-01T00:00:00Z")"})),
            "timestamp: month 13 out of range (01..12)");
  EXPECT_EQ(describe(record({.timestamp = R"("2023-02-29T00:00:00Z")"})),
            "timestamp: no such date 2023-02-29");
  EXPECT_EQ(describe(record({.timestamp = R"("2016-12-31T23:59:60Z")"})),
            "timestamp: leap second 60 is not supported (seconds must be 00..59)");
  EXPECT_EQ(describe(record({.timestamp = R"("May 1st")"})),
            R"(timestamp: expected ISO-8601 like 2024-05-01T12:00:00Z, got "May 1st" (too short))");
  EXPECT_EQ(describe(record({.extra = R"(,"topic":"x")"})),
            "topic: key appears more than once in the record");
  EXPECT_EQ(describe("[]"), "record must be a JSON object, got array");
  EXPECT_EQ(describe(""), "record is empty");
  EXPECT_EQ(describe("   "), "record contains only whitespace");
  EXPECT_EQ(describe(record({.topic = "\"\xff\""})), "record is not valid UTF-8");
  EXPECT_EQ(describe("\xEF\xBB\xBF" + record({})),
            "invalid JSON: starts with a UTF-8 byte order mark");
  EXPECT_EQ(describe("{\"a\":\0}"s),
            "invalid JSON: contains a NUL byte at offset 5 (JSON text "
            "cannot contain one; in a string it must be written "
            "\\u0000, which is refused anyway)");
}

TEST(EventParserDetails, NumbersAreNamed) {
  EXPECT_EQ(describe(record({.payload = R"({"n":01})"})),
            "invalid JSON: malformed number (JSON numbers are "
            "-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? : no leading zero, no '+' sign, "
            "digits on both sides of '.')");
  EXPECT_EQ(describe(record({.payload = R"({"a":[0,{"b":-1e131072}]})"})),
            R"(payload: number "-1e131072" cannot be stored by PostgreSQL (its numeric type, )"
            R"(which jsonb uses): it has more than 131072 digits before the decimal point at )"
            R"("/a/1/b")");
  EXPECT_EQ(describe(record({.payload = R"({"n":1.5e-16383})"})),
            R"(payload: number "1.5e-16383" cannot be stored by PostgreSQL (its numeric type, )"
            R"(which jsonb uses): it has more than 16383 digits after the decimal point at "/n")");
  EXPECT_EQ(describe(record({.payload = R"({"n":[0e-9999999999]})"})),
            R"(payload: number "0e-9999999999" cannot be stored by PostgreSQL (its numeric )"
            R"(type, which jsonb uses): its exponent is out of range at "/n/0")");
  const std::string surrogate = describe(record({.payload = R"({"s":"\ud800"})"}));
  EXPECT_NE(surrogate.find("unpaired UTF-16 surrogate"), std::string::npos) << surrogate;
}

TEST(EventParserDetails, PayloadProblemsCarryAPath) {
  EXPECT_EQ(describe(record({.payload = R"({"a":[0,{"b/c":[["x\u0000"]]}]})"})),
            R"(payload: U+0000 in a string (PostgreSQL jsonb cannot store it) at "/a/1/b~1c/0/0")");
  EXPECT_EQ(describe(record({.payload = R"({"a":{"k\u0000y":1}})"})),
            R"(payload: U+0000 in a key (PostgreSQL jsonb cannot store it) at "/a/k\u0000y")");
  EXPECT_EQ(describe(record({.payload = R"({"a":1,"a":2})"})),
            R"(payload: duplicate key "a" at the top level of the payload)");
  EXPECT_EQ(describe(record({.payload = R"({"x":[{},{"~k":{"d":1,"d":2}}]})"})),
            R"(payload: duplicate key "d" at "/x/1/~0k")");
  const std::string deep = describe(record({.payload = nested_objects(33)}));
  EXPECT_EQ(deep.rfind("payload: nesting depth exceeds 32 at \"/v/v/v/", 0), 0u) << deep;
  EXPECT_EQ(describe(record({.payload = R"({"s":")" + std::string(70'000, 'x') + "\"}"})),
            "payload: minified payload is 70008 bytes, limit is 65536");
}

TEST(EventParserDetails, WeirdDuplicateKeysAreQuotedInTheField) {
  EventParser parser;
  const Rejection r = expect_rejection(parser, record({.extra = R"(,"a\nb":1,"a\nb":2)"}));
  EXPECT_EQ(r.code, RejectionCode::kDuplicateKey);
  EXPECT_EQ(r.field, R"("a\u000ab")");
  const Rejection nul = expect_rejection(parser, record({.extra = R"(,"\u0000":1,"\u0000":2)"}));
  EXPECT_EQ(nul.field, R"("\u0000")");
  EXPECT_TRUE(is_clean_text(nul.describe()));
}

TEST(RejectionCodes, AreDistinctSnakeCaseLabels) {
  std::set<std::string_view> labels;
  for (int i = 0; i <= static_cast<int>(RejectionCode::kPayloadTooDeep); ++i) {
    const std::string_view label = to_string(static_cast<RejectionCode>(i));
    EXPECT_TRUE(std::regex_match(std::string(label), std::regex("[a-z][a-z0-9_]*"))) << label;
    EXPECT_NE(label, "unknown");
    labels.insert(label);
  }
  EXPECT_EQ(labels.size(), 14u);
  EXPECT_EQ(to_string(RejectionCode::kInvalidTimestamp), "invalid_timestamp");
}

TEST(RejectionDescribe, JoinsFieldAndDetail) {
  EXPECT_EQ((Rejection{RejectionCode::kMissingField, "topic", "is required"}.describe()),
            "topic: is required");
  EXPECT_EQ((Rejection{RejectionCode::kEmptyRecord, "", "record is empty"}.describe()),
            "record is empty");
}

// ---------------------------------------------------------------- limits

TEST(EventParserLimits, RecordSizeIsCheckedBeforeParsing) {
  EventLimits limits;
  const std::string good = record({});
  limits.max_record_bytes = good.size();
  EventParser parser(limits);
  EXPECT_EQ(parser.limits().max_record_bytes, good.size());
  expect_event(parser, good);
  const Rejection r = expect_rejection(parser, good + " ");
  EXPECT_EQ(r.code, RejectionCode::kRecordTooLarge);
  EXPECT_EQ(r.field, "");
  EXPECT_EQ(r.detail, "record is " + std::to_string(good.size() + 1) + " bytes, limit is " +
                          std::to_string(good.size()));
  // Garbage over the limit is "too large", not "invalid JSON": the size is checked first.
  EXPECT_EQ(expect_rejection(parser, std::string(good.size() + 1, '\xff')).code,
            RejectionCode::kRecordTooLarge);
}

TEST(EventParserLimits, DefaultRecordLimitIsOneMebibyte) {
  EventParser parser;
  const std::string padding_field = R"(,"pad":")";
  const std::string base = record({.extra = padding_field + "\""});
  const std::size_t fill = 1024 * 1024 - base.size();
  expect_event(parser, record({.extra = padding_field + std::string(fill, 'p') + "\""}));
  EXPECT_EQ(
      expect_rejection(parser, record({.extra = padding_field + std::string(fill + 1, 'p') + "\""}))
          .code,
      RejectionCode::kRecordTooLarge);
}

TEST(EventParserLimits, IdentifiersUpToTheLimitInBytes) {
  EventParser parser;
  expect_event(parser, record({.topic = json_str(std::string(256, 't')),
                               .event_id = json_str(std::string(256, 'e')),
                               .source = json_str(std::string(256, 's'))}));
  std::string two_byte;
  for (int i = 0; i < 128; ++i) {
    two_byte += "é";
  }
  const Event e = expect_event(parser, record({.topic = json_str(two_byte)}));
  EXPECT_EQ(e.topic.size(), 256u);
  // Escapes count after decoding: 128 x "\u00e9" is 768 bytes of JSON but 256 bytes of text.
  std::string escaped;
  for (int i = 0; i < 128; ++i) {
    escaped += "\\u00e9";
  }
  EXPECT_EQ(expect_event(parser, record({.event_id = json_str(escaped)})).event_id, two_byte);
}

TEST(EventParserLimits, CustomLimitsApply) {
  EventLimits limits;
  limits.max_identifier_bytes = 4;
  limits.max_source_bytes = 2;
  limits.max_payload_bytes = 10;
  limits.max_payload_depth = 2;
  EventParser parser(limits);
  const Fields ok{.topic = R"("abcd")",
                  .event_id = R"("1234")",
                  .source = R"("ab")",
                  .payload = R"({"a":[1]})"};  // payload: 9 bytes, depth 2
  expect_event(parser, record(ok));

  Fields f = ok;
  f.topic = R"("abcde")";
  EXPECT_EQ(expect_rejection(parser, record(f)).code, RejectionCode::kFieldTooLong);
  f = ok;
  f.source = R"("abc")";
  EXPECT_EQ(expect_rejection(parser, record(f)).field, "source");
  f = ok;
  f.payload = R"({"a":[12]})";  // 10 bytes: at the limit
  expect_event(parser, record(f));
  f.payload = R"({"a":[123]})";  // 11 bytes
  EXPECT_EQ(expect_rejection(parser, record(f)).code, RejectionCode::kPayloadTooLarge);
  f.payload = R"( { "a" : [ 12 ] } )";  // the minified size counts, not the input size
  expect_event(parser, record(f));
  f.payload = R"({"a":[[]]})";
  EXPECT_EQ(expect_rejection(parser, record(f)).code, RejectionCode::kPayloadTooDeep);
}

// The HTTP server's threads have 100 KB stacks (civetweb's build setting), and POST /publish
// parses on them: the parser's stack use must not grow with the payload's depth. Parses the
// deepest payloads, accepted and refused, on a thread with a 64 KB stack; a parser that recursed
// per level would overflow it (under AddressSanitizer certainly, whose frames are larger).
TEST(EventParserLimits, DeepPayloadsParseOnASmallStack) {
  struct Outcomes {
    std::optional<std::string> accepted_payload;
    std::optional<RejectionCode> refused_code;
  } outcomes;
  pthread_attr_t attributes;
  ASSERT_EQ(pthread_attr_init(&attributes), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attributes, 64 * 1024), 0);
  pthread_t thread;
  const auto parse_deep = [](void* raw) -> void* {
    auto& out = *static_cast<Outcomes*>(raw);
    EventParser parser;
    if (const auto outcome = parser.parse(record({.payload = nested_objects(32)}));
        std::holds_alternative<Event>(outcome)) {
      out.accepted_payload = std::get<Event>(outcome).payload_json;
    }
    if (const auto outcome = parser.parse(record({.payload = nested_arrays(500)}));
        std::holds_alternative<Rejection>(outcome)) {
      out.refused_code = std::get<Rejection>(outcome).code;
    }
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attributes, +parse_deep, &outcomes), 0);
  ASSERT_EQ(pthread_join(thread, nullptr), 0);
  pthread_attr_destroy(&attributes);
  EXPECT_EQ(outcomes.accepted_payload, nested_objects(32));
  EXPECT_EQ(outcomes.refused_code, RejectionCode::kPayloadTooDeep);
}

TEST(EventParserLimits, PayloadDepth32IsAcceptedAnd33IsNot) {
  EventParser parser;
  EXPECT_EQ(expect_event(parser, record({.payload = nested_objects(32)})).payload_json,
            nested_objects(32));
  EXPECT_EQ(expect_event(parser, record({.payload = nested_arrays(32)})).payload_json,
            nested_arrays(32));
  EXPECT_EQ(expect_rejection(parser, record({.payload = nested_objects(33)})).code,
            RejectionCode::kPayloadTooDeep);
  EXPECT_EQ(expect_rejection(parser, record({.payload = nested_arrays(33)})).code,
            RejectionCode::kPayloadTooDeep);
  // Depth is nesting, not the number of containers: many siblings at depth 2 are fine.
  std::string wide = R"({"v":[)";
  for (int i = 0; i < 1000; ++i) {
    wide += i == 0 ? "[]" : ",[]";
  }
  wide += "]}";
  expect_event(parser, record({.payload = wide}));
  // Deep nesting outside the payload is not limited by max_payload_depth.
  expect_event(parser, record({.extra = R"(,"x":)" + nested_objects(100)}));
}

TEST(EventParserLimits, PayloadAtExactlyTheDefaultLimit) {
  EventParser parser;
  const std::string frame = R"({"s":""})";
  const std::string at_limit = R"({"s":")" + std::string(65536 - frame.size(), 'x') + "\"}";
  ASSERT_EQ(at_limit.size(), 65536u);
  EXPECT_EQ(expect_event(parser, record({.payload = at_limit})).payload_json.size(), 65536u);
  const std::string over = R"({"s":")" + std::string(65537 - frame.size(), 'x') + "\"}";
  EXPECT_EQ(expect_rejection(parser, record({.payload = over})).code,
            RejectionCode::kPayloadTooLarge);
}

// ---------------------------------------------------------------- good input

TEST(EventParserGood, TypicalRecord) {
  EventParser parser;
  const Event e = expect_event(
      parser,
      R"({"topic":"orders","event_id":"evt-1","timestamp":"2024-05-01T12:00:00.250Z",)"
      R"("source":"checkout","payload":{"amount":42,"items":[{"sku":"A-1","qty":2}],"ok":true,"note":null}})");
  EXPECT_EQ(e.topic, "orders");
  EXPECT_EQ(e.event_id, "evt-1");
  EXPECT_EQ(format_timestamp(e.timestamp), "2024-05-01T12:00:00.250000Z");
  EXPECT_EQ(e.source, "checkout");
  EXPECT_EQ(e.payload_json,
            R"({"amount":42,"items":[{"sku":"A-1","qty":2}],"ok":true,"note":null})");
}

TEST(EventParserGood, ParsingIntoAnEventOverwritesItWholeOrOnARejectionNotAtAll) {
  EventParser parser;
  Event event{.topic = std::string(100, 't'),
              .event_id = std::string(100, 'i'),
              .timestamp = {},
              .source = std::string(100, 's'),
              .payload_json = std::string(1000, 'p')};
  const auto* payload_buffer = event.payload_json.data();
  const std::string valid = record({.payload = R"({"amount": 42})"});
  ASSERT_EQ(parser.parse_into(valid, event), std::nullopt);
  const Event parsed = expect_event(parser, valid);
  EXPECT_EQ(event.topic, parsed.topic);
  EXPECT_EQ(event.event_id, parsed.event_id);
  EXPECT_EQ(event.timestamp, parsed.timestamp);
  EXPECT_EQ(event.source, parsed.source);
  EXPECT_EQ(event.payload_json, R"({"amount":42})");
  EXPECT_EQ(event.payload_json.data(), payload_buffer) << "the payload's buffer was reused";

  const auto rejection = parser.parse_into(record({.event_id = "7"}), event);
  ASSERT_TRUE(rejection.has_value());
  EXPECT_EQ(rejection->code, RejectionCode::kWrongType);
  EXPECT_EQ(event.event_id, parsed.event_id) << "left as it was";
  EXPECT_EQ(event.payload_json, R"({"amount":42})");
}

TEST(EventParserGood, ParsingIntoAnEventGrowsItsStringsOnlyAsFarAsNeeded) {
  EventParser parser;
  Event event;
  event.payload_json.reserve(100);
  const auto old_capacity = event.payload_json.capacity();
  const std::string payload = R"({"note":")" + std::string(140, 'x') + R"("})";
  ASSERT_EQ(parser.parse_into(record({.payload = payload}), event), std::nullopt);
  ASSERT_EQ(event.payload_json, payload);
  // std::string's own growth would double the capacity: repeated over a worker's batches, every
  // kept payload buffer would drift towards twice the largest payload it held.
  EXPECT_LT(event.payload_json.capacity(), 2 * old_capacity);
}

TEST(EventParserGood, TimestampZoneVariantsAndFractions) {
  EventParser parser;
  using namespace date::literals;
  const EventTime noon = utc(2024_y / 5 / 1, 12LL * 3'600'000'000);
  const std::pair<std::string_view, EventTime> cases[] = {
      {"2024-05-01T12:00:00Z", noon},
      {"2024-05-01T12:00:00z", noon},
      {"2024-05-01t12:00:00Z", noon},
      {"2024-05-01 12:00:00Z", noon},
      {"2024-05-01T12:00:00", noon},  // no zone: UTC
      {"2024-05-01T14:00:00+02:00", noon},
      {"2024-05-01T14:00:00+0200", noon},
      {"2024-05-01T07:00:00-05:00", noon},
      {"2024-05-01T12:00:00-00:00", noon},
      {"2024-05-01T12:00:00.1Z", noon + microseconds{100'000}},
      {"2024-05-01T12:00:00.123456Z", noon + microseconds{123'456}},
      {"2024-05-01T12:00:00.123456999Z", noon + microseconds{123'456}},
      {"2024-05-01T14:00:00.000001+02:00", noon + microseconds{1}},
  };
  for (const auto& [text, expected] : cases) {
    SCOPED_TRACE(std::string(text));
    const Event e = expect_event(parser, record({.timestamp = json_str(text)}));
    EXPECT_EQ(e.timestamp, expected) << format_timestamp(e.timestamp);
  }
}

TEST(EventParserGood, UnicodeIsKeptEscapesAreDecodedInFieldsAndKeptInThePayload) {
  EventParser parser;
  const Event e = expect_event(
      parser, record({.topic = R"("заказы")",
                      .event_id = R"("evt-😀-\u00e9")",
                      .source = R"("caf\u00e9 \/ bar")",
                      .payload = R"({"név":"日本語 😀","esc":"\u00e9\ud83d\ude00\/","q":"\"\\"})"}));
  EXPECT_EQ(e.topic, "заказы");
  EXPECT_EQ(e.event_id, "evt-😀-é");
  EXPECT_EQ(e.source, "café / bar");
  // The payload is the producer's text: escapes stay as written (jsonb decodes them).
  EXPECT_EQ(e.payload_json, R"({"név":"日本語 😀","esc":"\u00e9\ud83d\ude00\/","q":"\"\\"})");
}

TEST(EventParserGood, ControlCharactersOtherThanNulAreFineInThePayload) {
  EventParser parser;
  const std::string payload = R"({"t":"a\nb\t\u0001\u001f\u007f","raw":")"
                              "\x7f"
                              R"("})";
  EXPECT_EQ(expect_event(parser, record({.payload = payload})).payload_json, payload);
}

TEST(EventParserGood, ExtraFieldsAreIgnored) {
  EventParser parser;
  const Event plain = expect_event(parser, record({}));
  const Event extra = expect_event(
      parser, record({.extra = R"(,"Topic":"other","version":3,"meta":{"x":[1,{"y":null}]},)"
                               R"("note":"a\u0000b","n":1e300,"big":18446744073709551615,)"
                               R"("huge":[1e400,-123456789012345678901234567890,1e-400],)"
                               R"("beyond_postgresql":[1e131072,0e-99999999999999999999])"}));
  expect_same(plain, extra);
}

TEST(EventParserGood, FieldOrderAndWhitespaceDoNotMatter) {
  EventParser parser;
  const Event a = expect_event(parser, record({}));
  const Event b = expect_event(
      parser,
      " \n{ \"payload\" : { \"amount\" :\t42 } ,\r\n \"source\":\"checkout\", \"timestamp\" : "
      "\"2024-05-01T12:00:00Z\",\"event_id\":\"evt-1\" , \"topic\" : \"orders\" }\n ");
  expect_same(a, b);
}

TEST(EventParserGood, SimilarKeysAreNotDuplicates) {
  EventParser parser;
  const Event e = expect_event(
      parser,
      record({.payload = R"({"a":{"x":1},"b":{"x":1},"A":2,"a ":3,"":4,"x":[{"k":1},{"k":2}]})"}));
  EXPECT_EQ(e.payload_json, R"({"a":{"x":1},"b":{"x":1},"A":2,"a ":3,"":4,"x":[{"k":1},{"k":2}]})");
  std::string many = "{";
  for (int i = 0; i < 100; ++i) {
    many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  }
  many += "}";
  EXPECT_EQ(expect_event(parser, record({.payload = many})).payload_json, many);
  expect_event(parser, record({.extra = R"(,"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,)"
                                        R"("i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15)"}));
}

TEST(EventParserGood, EmptyPayloadObject) {
  EventParser parser;
  EXPECT_EQ(expect_event(parser, record({.payload = "{ }"})).payload_json, "{}");
}

// What payload_json holds for numbers: the producer's text, byte for byte. PostgreSQL's jsonb
// stores them as exact numerics, so an amount reaches the database exactly as sent.
TEST(EventParserGood, NumbersAreStoredExactlyAsSent) {
  EventParser parser;
  const std::string_view cases[] = {
      "0",
      "-0",
      "42",
      "-17",
      "9223372036854775807",
      "-9223372036854775808",
      "18446744073709551615",
      "18446744073709551616",  // beyond 64 bits
      "-9223372036854775809",
      "123456789012345678901234567890",
      "-123456789012345678901234567890.000000000000000000001",
      "1.0",
      "-0.0",
      "100.00",  // trailing zeros are kept (jsonb keeps the scale too)
      "0.1",
      "1e2",
      "1E5",
      "1E+400",  // beyond double range
      "-1e400",
      "1e-400",  // below double range
      "2.5e-3",
      "1e-7",
      "1.5e300",
      "1.7976931348623157e308",
      "5e-324",
      "0.12345678901234567890",  // beyond double precision
      "123456789.123456789",
      "1E-0000000000000000000001",
      "0e1073741822",  // the largest exponent PostgreSQL 15 accepts
      // PostgreSQL numeric's limits, reached but not passed (each checked on PostgreSQL 15):
      "1e131071",
      "-99e131070",
      "9.999e131071",
      "0.00001e131076",
      "1e-16383",
      "12.5e-16382",
      "0.0000e-16379",
  };
  for (const std::string_view number : cases) {
    SCOPED_TRACE(std::string(number));
    const std::string payload = R"({"n":)" + std::string(number) + R"(,"a":[)" +
                                std::string(number) + "," + std::string(number) + "]}";
    const Event e = expect_event(parser, record({.payload = payload}));
    EXPECT_EQ(e.payload_json, payload);
    // Idempotent: storing what we stored changes nothing.
    EXPECT_EQ(expect_event(parser, to_json(e)).payload_json, payload);
    // Whitespace around numbers goes, the numbers stay.
    EXPECT_EQ(expect_event(parser, record({.payload = R"({ "n" :	)" + std::string(number) +
                                                      " ,\n\"a\":[ " + std::string(number) + " , " +
                                                      std::string(number) + "\r\n] } "}))
                  .payload_json,
              payload);
  }
  // 16383 decimals written out, and the largest integer PostgreSQL can store (131072 digits;
  // needs limits larger than the defaults).
  const std::string decimals = "0." + std::string(16383, '0');
  EXPECT_EQ(expect_event(parser, record({.payload = "{\"n\":" + decimals + "}"})).payload_json,
            "{\"n\":" + decimals + "}");
  EventLimits large;
  large.max_payload_bytes = 200'000;
  EventParser large_parser(large);
  const std::string nines(131072, '9');
  EXPECT_EQ(expect_event(large_parser, record({.payload = "{\"n\":-" + nines + "}"})).payload_json,
            "{\"n\":-" + nines + "}");
  EXPECT_EQ(expect_rejection(large_parser, record({.payload = "{\"n\":1" + nines + "}"})).code,
            RejectionCode::kInvalidJson);
}

TEST(EventParserGood, RandomNumbersAreStoredByteForByte) {
  EventParser parser;
  std::mt19937_64 random(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random); };
  auto digits = [&](int count, bool leading_nonzero) {
    std::string out;
    for (int i = 0; i < count; ++i) {
      out += static_cast<char>('0' + pick(i == 0 && leading_nonzero ? 1 : 0, 9));
    }
    return out;
  };
  auto number = [&] {  // any JSON number within PostgreSQL's limits
    std::string out = pick(0, 1) ? "-" : "";
    out += pick(0, 4) == 0 ? "0" : digits(pick(1, 45), true);
    if (pick(0, 1)) {
      out += "." + digits(pick(1, 45), false);
    }
    if (pick(0, 1)) {
      out += "eE"[pick(0, 1)];
      if (const int sign = pick(0, 2); sign > 0) {
        out += sign == 1 ? '+' : '-';
      }
      out += std::to_string(pick(0, 5000));
    }
    return out;
  };
  for (int i = 0; i < 2000; ++i) {
    // Numbers in every position: object members, arrays, nested, next to every delimiter.
    std::string payload = "{\"a\":" + number() + ",\"b\":[" + number() + "," + number() + ",[" +
                          number() + "],{\"c\":" + number() + "}],\"d\":{\"e\":" + number() + "}}";
    SCOPED_TRACE(payload);
    const Event e =
        expect_event(parser, record({.payload = payload, .extra = ",\"x\":" + number()}));
    ASSERT_EQ(e.payload_json, payload);
  }
}

TEST(EventParserGood, PayloadTextIsTheProducersMinified) {
  EventParser parser;
  // Whitespace between tokens goes; inside strings it stays, and so does every escape.
  EXPECT_EQ(expect_event(parser, record({.payload = " {\n  \"a b\" : \" x\\t y \" ,\r\n  \"n\" : "
                                                    "[ 1 , { } , [ ] , true , null ] \n} \t"}))
                .payload_json,
            R"({"a b":" x\t y ","n":[1,{},[],true,null]})");
  // Strings that look like structure do not confuse the search for the payload.
  const Event tricky = expect_event(
      parser,
      R"({"source":"a\\\"},\"payload\":{\"x\":1},{[","meta":{"payload":{"fake":1},"v":[":",","]},)"
      R"("topic":"t\"","event_id":"\\","timestamp":"2024-05-01T12:00:00Z",)"
      R"("payload" : {"real":"\\\\\"}",":":[1e400,"]"]} ,"after":{"payload":2}})");
  EXPECT_EQ(tricky.source, R"(a\"},"payload":{"x":1},{[)");
  EXPECT_EQ(tricky.topic, "t\"");
  EXPECT_EQ(tricky.event_id, "\\");
  EXPECT_EQ(tricky.payload_json, R"({"real":"\\\\\"}",":":[1e400,"]"]})");
  // The key may be written with escapes: it is still the payload.
  EXPECT_EQ(
      expect_event(parser, R"({"topic":"t","event_id":"e","timestamp":"2024-05-01T12:00:00Z",)"
                           R"("source":"s","\u0070ayload":{"n":1e2}})")
          .payload_json,
      R"({"n":1e2})");
  // First member, last member, whitespace everywhere.
  EXPECT_EQ(expect_event(parser,
                         "{\"payload\":{\"n\":1.50},\"topic\":\"t\",\"event_id\":\"e\","
                         "\"timestamp\":\"2024-05-01T12:00:00Z\",\"source\":\"s\"}")
                .payload_json,
            R"({"n":1.50})");
  EXPECT_EQ(expect_event(parser,
                         "\r\n{\"topic\":\"t\",\"event_id\":\"e\",\"timestamp\":"
                         "\"2024-05-01T12:00:00Z\",\"source\":\"s\",\"payload\"\n:\n"
                         "{\"n\":1.50}\n}\n")
                .payload_json,
            R"({"n":1.50})");
}

TEST(EventParserLimits, PayloadLimitAppliesToTheStoredText) {
  EventLimits limits;
  limits.max_payload_bytes = 14;
  EventParser parser(limits);
  // Escapes are stored as written, so they count as written: 14 bytes.
  EXPECT_EQ(expect_event(parser, record({.payload = R"({"a":"\u00e9"})"})).payload_json,
            R"({"a":"\u00e9"})");
  EXPECT_EQ(expect_rejection(parser, record({.payload = R"({"a":"\u00e9 "})"})).code,
            RejectionCode::kPayloadTooLarge);
  // Numbers count as written: 1e2 is 3 bytes (and not 100.0).
  EXPECT_EQ(expect_event(parser, record({.payload = R"({"n":1e2,"":1})"})).payload_json,
            R"({"n":1e2,"":1})");
  // Whitespace does not count.
  EXPECT_EQ(expect_event(parser, record({.payload = "{ \"n\" : 1e2 , \"\" : 1 }"})).payload_json,
            R"({"n":1e2,"":1})");
  EXPECT_EQ(expect_rejection(parser, record({.payload = R"({"n":1e2,"":10})"})).code,
            RejectionCode::kPayloadTooLarge);
}

TEST(EventParserGood, BigRecordThenSmallRecordReusesBuffers) {
  EventParser parser;
  const std::string big = record({.payload = R"({"s":")" + std::string(60'000, 'b') + "\"}",
                                  .extra = R"(,"pad":")" + std::string(500'000, 'p') + "\""});
  EXPECT_EQ(expect_event(parser, big).payload_json.size(), 60'008u);
  const Event small = expect_event(parser, record({.payload = R"({"a":1})"}));
  EXPECT_EQ(small.payload_json, R"({"a":1})");
  // A shorter record after a longer one must not see the longer one's leftover bytes.
  EXPECT_EQ(expect_rejection(parser, R"({"topic":"a")").code, RejectionCode::kInvalidJson);
}

TEST(EventParserGood, MovedParsersKeepWorking) {
  EventLimits limits;
  limits.max_identifier_bytes = 10;
  EventParser first(limits);
  expect_event(first, record({}));
  EventParser second = std::move(first);
  EXPECT_EQ(second.limits().max_identifier_bytes, 10u);
  expect_event(second, record({}));
  EXPECT_EQ(expect_rejection(second, record({.topic = json_str(std::string(11, 'x'))})).code,
            RejectionCode::kFieldTooLong);
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from parser is still usable.
  expect_event(first, record({}));
  first = std::move(second);
  expect_event(first, record({}));
}

// ---------------------------------------------------------------- to_json

TEST(ToJson, ExactText) {
  Event e;
  e.topic = "orders";
  e.event_id = "evt-1";
  e.timestamp = utc(date::year{2024} / 5 / 1, 12LL * 3'600'000'000 + 250'000);
  e.source = "checkout";
  e.payload_json = R"({"amount":42})";
  EXPECT_EQ(to_json(e),
            R"({"topic":"orders","event_id":"evt-1","timestamp":"2024-05-01T12:00:00.250000Z",)"
            R"("source":"checkout","payload":{"amount":42}})");
}

TEST(ToJson, EscapesStrings) {
  Event e;
  e.topic = "a\"b\\c/é😀";
  e.event_id = "x";
  e.source = "line\nbreak\x01";
  e.payload_json = "{}";
  const std::string json = to_json(e);
  EXPECT_NE(json.find(R"("topic":"a\"b\\c/é😀")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("source":"line\nbreak\u0001")"), std::string::npos) << json;
  // Escaped correctly, so the parser reads the same bytes back, and then refuses the control
  // characters in source, as it should.
  EventParser parser;
  const Rejection r = expect_rejection(parser, json);
  EXPECT_EQ(r.code, RejectionCode::kInvalidCharacter);
  EXPECT_EQ(r.field, "source");
  e.source = "ok";
  EXPECT_EQ(expect_event(parser, to_json(e)).topic, e.topic);
}

TEST(ToJson, DefaultEventAndInvalidUtf8DoNotThrow) {
  Event e;
  EXPECT_EQ(to_json(e), R"({"topic":"","event_id":"","timestamp":"1970-01-01T00:00:00.000000Z",)"
                        R"("source":"","payload":{}})");
  e.topic = "bad\xff";
  std::string json;
  EXPECT_NO_THROW(json = to_json(e));
  EXPECT_NE(json.find("bad\xEF\xBF\xBD"), std::string::npos) << "U+FFFD replaces the bad byte";
  EXPECT_TRUE(simdjson::validate_utf8(json));
}

// ---------------------------------------------------------------- properties

// Generates valid events from a seed, and records that spell them in varied but valid ways.
class EventGenerator {
 public:
  explicit EventGenerator(std::uint64_t seed) : random_(seed) {}

  struct Sample {
    std::string record;  // the input, in some accepted spelling
    std::string topic, event_id, source;
    EventTime timestamp;
    nlohmann::json payload;  // what payload_json must mean
  };

  Sample next() {
    Sample s;
    s.topic = text(1, 40, false);
    s.event_id = text(1, 40, false);
    s.source = text(1, 20, false);
    s.timestamp = instant();
    s.payload = object(0);

    nlohmann::ordered_json record;
    std::vector<std::pair<std::string, nlohmann::json>> fields = {
        {"topic", s.topic},   {"event_id", s.event_id}, {"timestamp", spell(s.timestamp)},
        {"source", s.source}, {"payload", s.payload},
    };
    if (chance(4)) {
      fields.emplace_back("extra_" + std::to_string(pick(0, 9)), value(0));
    }
    std::shuffle(fields.begin(), fields.end(), random_);
    for (auto& [key, value] : fields) {
      record[key] = std::move(value);
    }
    s.record = record.dump(chance(3) ? 2 : -1);
    return s;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(random_); }
  bool chance(int one_in) { return pick(1, one_in) == 1; }

  std::string text(int min_atoms, int max_atoms, bool controls) {
    static constexpr std::string_view kAtoms[] = {"a", "Z",  "0",  "-", "_", ".",    " ", "/",
                                                  "~", "\"", "\\", "é", "€", "日本", "😀", "\u00ff"};
    static constexpr std::string_view kControls[] = {"\n", "\t", "\x01", "\x1f", "\x7f", "\r"};
    std::string out;
    const int count = pick(min_atoms, max_atoms);
    for (int i = 0; i < count; ++i) {
      if (controls && chance(8)) {
        out += kControls[static_cast<std::size_t>(
            pick(0, static_cast<int>(std::size(kControls)) - 1))];
      } else {
        out += kAtoms[static_cast<std::size_t>(pick(0, static_cast<int>(std::size(kAtoms)) - 1))];
      }
    }
    return out;
  }

  double a_double() {
    switch (pick(0, 5)) {
      case 0:
        return std::uniform_real_distribution<double>(-1e6, 1e6)(random_);
      case 1:
        return static_cast<double>(pick(-1000, 1000));  // integral: printed as 3.0
      case 2:
        return std::ldexp(std::uniform_real_distribution<double>(0.5, 1)(random_),
                          pick(-1074, 1023));
      case 3:
        return -std::ldexp(std::uniform_real_distribution<double>(0.5, 1)(random_),
                           pick(-1074, 1023));
      case 4:
        return pick(0, 1) ? 0.1 : -0.0;
      default:
        return std::uniform_real_distribution<double>(0, 1)(random_);
    }
  }

  nlohmann::json value(int depth) {
    const int kind = pick(0, depth >= 5 ? 5 : 7);
    switch (kind) {
      case 0:
        return nullptr;
      case 1:
        return chance(2);
      case 2:
        return std::uniform_int_distribution<std::int64_t>(INT64_MIN, INT64_MAX)(random_);
      case 3:
        return std::uniform_int_distribution<std::uint64_t>(0, UINT64_MAX)(random_);
      case 4:
        return a_double();
      case 5:
        return text(0, 12, true);
      case 6: {
        nlohmann::json array = nlohmann::json::array();
        for (int i = pick(0, 4); i > 0; --i) {
          array.push_back(value(depth + 1));
        }
        return array;
      }
      default:
        return object(depth + 1);
    }
  }

  nlohmann::json object(int depth) {
    nlohmann::json object = nlohmann::json::object();
    for (int i = pick(0, 5); i > 0; --i) {
      object[text(0, 6, true)] = value(depth);
    }
    return object;
  }

  EventTime instant() {
    // Keep a day of margin at both ends so that any zone offset stays within years 1..9999.
    const std::int64_t lo = utc(date::year{1} / 1 / 2).time_since_epoch().count();
    const std::int64_t hi = utc(date::year{9999} / 12 / 30).time_since_epoch().count();
    std::int64_t micros = std::uniform_int_distribution<std::int64_t>(lo, hi)(random_);
    if (chance(3)) {
      micros -= micros % 1'000'000;  // whole seconds
    }
    return EventTime{microseconds{micros}};
  }

  // The instant in one of the accepted spellings: any offset, separator, fraction length.
  std::string spell(EventTime time) {
    const int offset = chance(3) ? 0 : pick(-(23 * 60 + 59), 23 * 60 + 59);
    const EventTime local = time + std::chrono::minutes{offset};
    std::string text = format_timestamp(local);  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    text.pop_back();
    text[10] = "Tt "[pick(0, 2)];
    const bool whole = time.time_since_epoch().count() % 1'000'000 == 0;
    if (whole && chance(2)) {
      text.resize(19);  // no fraction at all
    } else if (chance(2)) {
      text += std::to_string(pick(100, 999));  // 9 digits, truncated back to 6
    }
    const int a = offset < 0 ? -offset : offset;
    char zone[32];
    std::snprintf(zone, sizeof zone, "%c%02d%s%02d", offset < 0 ? '-' : '+', a / 60,
                  chance(2) ? ":" : "", a % 60);
    if (offset != 0 || chance(2)) {
      text += zone;
    } else {
      if (!chance(3)) {  // else no zone designator at all: UTC
        text += chance(2) ? 'Z' : 'z';
      }
    }
    return text;
  }

  std::mt19937_64 random_;
};

TEST(EventProperties, ParseOfToJsonGivesTheEventBack) {
  EventParser parser;
  EventGenerator generator(42);
  for (int i = 0; i < 3000; ++i) {
    const EventGenerator::Sample sample = generator.next();
    SCOPED_TRACE(sample.record);
    ParseOutcome outcome = parser.parse(sample.record);
    ASSERT_TRUE(std::holds_alternative<Event>(outcome)) << std::get<Rejection>(outcome).describe();
    const Event e = std::get<Event>(std::move(outcome));
    // The parser read what the generator meant.
    ASSERT_EQ(e.topic, sample.topic);
    ASSERT_EQ(e.event_id, sample.event_id);
    ASSERT_EQ(e.source, sample.source);
    ASSERT_EQ(e.timestamp, sample.timestamp)
        << format_timestamp(e.timestamp) << " vs " << format_timestamp(sample.timestamp);
    ASSERT_EQ(nlohmann::json::parse(e.payload_json), sample.payload) << e.payload_json;
    ASSERT_TRUE(simdjson::validate_utf8(e.payload_json));

    // The property: parse(to_json(e)) == e, byte for byte, and to_json is then a fixed point.
    const std::string json = to_json(e);
    const Event back = expect_event(parser, json);
    expect_same(e, back);
    ASSERT_EQ(to_json(back), json);
    if (HasFailure()) {
      break;
    }
  }
}

TEST(EventProperties, MangledRecordsNeverCrashAndAcceptedOnesAreClean) {
  // Random byte edits of valid records (and pure noise): whatever comes out must be an Event
  // that survives the round trip or a Rejection whose text is clean, and the parser must agree
  // with an independent JSON validator (StrictJson) on which records are JSON at all: edits
  // make numbers of any size (1e8999), which must be accepted, and broken ones, which must not.
  // Run under ASan/UBSan.
  EventParser parser;
  EventGenerator generator(7);
  std::mt19937_64 random(99);
  auto pick = [&](std::size_t lo, std::size_t hi) {
    return std::uniform_int_distribution<std::size_t>(lo, hi)(random);
  };
  static constexpr char kInteresting[] = {'"',    '\\',   '{',    '}',    '[', ']',
                                          ',',    ':',    '0',    'e',    'u', '\0',
                                          '\x7f', '\xff', '\xc3', '\x80', ' ', '-'};
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 30'000; ++i) {
    std::string input = generator.next().record;
    const std::size_t edits = pick(1, 4);
    for (std::size_t k = 0; k < edits && !input.empty(); ++k) {
      const std::size_t at = pick(0, input.size() - 1);
      switch (pick(0, 4)) {
        case 0:
          input[at] = kInteresting[pick(0, sizeof kInteresting - 1)];
          break;
        case 1:
          input.insert(at, 1, kInteresting[pick(0, sizeof kInteresting - 1)]);
          break;
        case 2:
          input.erase(at, pick(1, 8));
          break;
        case 3:
          input.resize(at);  // truncate
          break;
        default:
          input[at] = static_cast<char>(pick(0, 255));
      }
    }
    if (i % 10 == 0) {  // pure noise
      input.assign(pick(0, 64), '\0');
      for (char& c : input) {
        c = static_cast<char>(pick(0, 255));
      }
    }
    SCOPED_TRACE(detail::quote_for_message(input, 400));
    const bool valid_json = StrictJson::valid(input);
    ParseOutcome outcome = parser.parse(input);
    if (auto* rejection = std::get_if<Rejection>(&outcome)) {
      ++rejected;
      ASSERT_NE(to_string(rejection->code), "unknown");
      ASSERT_TRUE(is_clean_text(rejection->describe())) << rejection->describe();
      // The parser calls a record invalid JSON exactly when the independent judge does
      // (kInvalidJson for the payload is PostgreSQL's numeric limits, not JSON).
      const bool says_invalid =
          rejection->code == RejectionCode::kEmptyRecord ||
          rejection->code == RejectionCode::kInvalidUtf8 ||
          (rejection->code == RejectionCode::kInvalidJson && rejection->field.empty());
      ASSERT_EQ(says_invalid, !valid_json) << rejection->describe();
      continue;
    }
    ++accepted;
    ASSERT_TRUE(valid_json);
    const Event& e = std::get<Event>(outcome);
    ASSERT_TRUE(is_clean_text(e.topic) && is_clean_text(e.event_id) && is_clean_text(e.source));
    bool payload_has_nul = true;
    ASSERT_TRUE(StrictJson::valid(e.payload_json, &payload_has_nul)) << e.payload_json;
    ASSERT_TRUE(e.payload_json.starts_with('{')) << e.payload_json;
    ASSERT_FALSE(payload_has_nul) << e.payload_json;
    // Minified: parsing it again and storing it changes nothing.
    const Event back = expect_event(parser, to_json(e));
    expect_same(e, back);
    if (HasFailure()) {
      break;
    }
  }
  // Both sides of the fence were exercised.
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(rejected, 10'000);
}

}  // namespace
}  // namespace eventsink
