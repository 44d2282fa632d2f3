// EventParser: the one validator every way into the system uses (see common/event.hpp).
//
// THE RULES, in the order they are checked (the first failure is the one reported):
//
//  Record (field ""):
//   1. Empty (0 bytes)                      -> kEmptyRecord. Only whitespace -> kEmptyRecord too.
//   2. More than limits.max_record_bytes    -> kRecordTooLarge (checked before any parsing).
//   3. A raw NUL byte anywhere              -> kInvalidJson ("contains a NUL byte at offset N").
//      A leading UTF-8 byte order mark      -> kInvalidJson.
//   4. simdjson (DOM) parse, RFC 8259 strict: no comments, no trailing commas, no NaN/Infinity,
//      nothing after the value:
//        invalid UTF-8 anywhere (keys, values, between tokens; overlong forms, encoded
//        surrogates, > U+10FFFF)        -> kInvalidUtf8
//        everything else                -> kInvalidJson, with a reason. In particular:
//          - "\ud800", "\udc00", "\ud800\u0041": \u escapes of unpaired UTF-16 surrogates are
//            refused (PostgreSQL refuses them too);
//          - NUMBERS: integers must fit in int64 or uint64 (-2^63 .. 2^64-1) and other numbers
//            in an IEEE double (|x| <= ~1.8e308): 18446744073709551616 or 1e400 are refused as
//            "number out of range" (simdjson 3.0.1 reports these as NUMBER_ERROR, the same code
//            as a malformed number like 01 or 1., so the reason names both possibilities);
//          - nesting deeper than 1024 levels anywhere in the record (simdjson's limit).
//   5. The value must be an object         -> kNotAnObject otherwise (array, string, number,
//      true/false, null).
//   6. No key may appear twice at the top level -> kDuplicateKey, field = that key. Keys are
//      compared byte for byte after unescaping ("a" and "\u0061" are the same key).
//   7. Top-level keys other than the five below are ALLOWED AND IGNORED (not validated beyond
//      rules 3-6, not stored: even a "\u0000" in them is accepted, as it never reaches the
//      database), so producers can add fields without breaking consumers. Key names are
//      case-sensitive: "Topic" is an unknown key.
//
//  Fields, checked in this order: topic, event_id, timestamp, source, payload. For each:
//  absent -> kMissingField; present with the wrong JSON type -> kWrongType ("must be a string,
//  got number"; null is a type, so "topic": null is kWrongType, not kMissingField).
//   - topic, event_id: string, not empty (kEmptyField), at most limits.max_identifier_bytes
//     UTF-8 bytes (kFieldTooLong), no control character U+0000..U+001F or U+007F, whether it
//     came escaped ("\n", "\u0000") or not (kInvalidCharacter). Not trimmed or normalized: the
//     identity is exactly these bytes.
//   - source: same rules, limit limits.max_source_bytes. Required and non-empty: an event
//     whose origin is unknown is not accepted.
//   - timestamp: string, not empty (kEmptyField), then common/timestamp.hpp's grammar
//     (kInvalidTimestamp with the precise reason). No zone designator means UTC.
//   - payload: a JSON object (kWrongType otherwise, including null and arrays), then, walking
//     it depth-first in document order:
//       nesting depth > limits.max_payload_depth -> kPayloadTooDeep. The payload object itself
//         is depth 1: {} and {"a":1} are depth 1, {"a":[1]} is depth 2; with the default 32,
//         32 nested containers are accepted and 33 refused;
//       a key repeated inside any object of the payload -> kDuplicateKey, field "payload"
//         (jsonb would silently keep the last one; we refuse ambiguous input);
//       U+0000 in any key or string of the payload -> kInvalidCharacter, field "payload"
//         (PostgreSQL text/jsonb cannot store it and would fail the whole batch). Other control
//         characters are fine in the payload (jsonb stores them escaped);
//     then the payload is re-serialized by simdjson's minifier, and that text (what
//     payload_json holds and PostgreSQL stores) must be at most limits.max_payload_bytes
//     -> kPayloadTooLarge. The detail of payload rejections gives a JSON-Pointer-like path.
//
//  PAYLOAD NORMALIZATION (what is stored is simdjson's re-serialization, not the input text):
//   whitespace is removed, key order is kept (jsonb reorders keys anyway), strings are
//   re-escaped minimally (only '"', '\\' and U+0000..U+001F are escaped; "\u00e9" becomes "é",
//   "\/" becomes "/"). Integers keep their exact value (-0 becomes 0). Non-integers (anything with
//   '.', 'e' or 'E') are converted to the nearest IEEE double and printed in a form that reads back
//   to the same double: 1.0 stays 1.0, 1e2 becomes 100.0, 1e-7 becomes 1e-07, 0.1 stays 0.1, but
//   digits beyond double precision are lost (0.12345678901234567890 -> 0.12345678901234568) and
//   numbers below ~4.9e-324 become 0.0. Every output is valid jsonb input and parsing it again
//   gives the same text (idempotent).
//
//  Every `field` and `detail` of a Rejection is valid UTF-8 without NUL or other control
//  characters (quoted input is escaped and shortened), so it can be stored in a text column.
//
//  Never throws for any input; the only exception that can escape is std::bad_alloc.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "common/event.hpp"
#include "common/timestamp.hpp"

namespace eventsink {

std::string_view to_string(RejectionCode code) {
  switch (code) {
    case RejectionCode::kEmptyRecord:
      return "empty_record";
    case RejectionCode::kRecordTooLarge:
      return "record_too_large";
    case RejectionCode::kInvalidJson:
      return "invalid_json";
    case RejectionCode::kInvalidUtf8:
      return "invalid_utf8";
    case RejectionCode::kNotAnObject:
      return "not_an_object";
    case RejectionCode::kDuplicateKey:
      return "duplicate_key";
    case RejectionCode::kMissingField:
      return "missing_field";
    case RejectionCode::kWrongType:
      return "wrong_type";
    case RejectionCode::kEmptyField:
      return "empty_field";
    case RejectionCode::kFieldTooLong:
      return "field_too_long";
    case RejectionCode::kInvalidCharacter:
      return "invalid_character";
    case RejectionCode::kInvalidTimestamp:
      return "invalid_timestamp";
    case RejectionCode::kPayloadTooLarge:
      return "payload_too_large";
    case RejectionCode::kPayloadTooDeep:
      return "payload_too_deep";
  }
  return "unknown";
}

std::string Rejection::describe() const {
  if (field.empty()) {
    return detail;
  }
  std::string out;
  out.reserve(field.size() + 2 + detail.size());
  out += field;
  out += ": ";
  out += detail;
  return out;
}

namespace {

namespace dom = simdjson::dom;

// Top-level fields, in the order they are validated.
enum Slot : std::size_t { kTopic, kEventId, kTimestamp, kSource, kPayload, kSlotCount };
constexpr std::string_view kSlotNames[kSlotCount] = {"topic", "event_id", "timestamp", "source",
                                                     "payload"};

int slot_of(std::string_view key) {
  for (std::size_t i = 0; i < kSlotCount; ++i) {
    if (key == kSlotNames[i]) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string_view type_name(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "number";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "unknown";
}

Rejection reject(RejectionCode code, std::string_view field, std::string detail) {
  return Rejection{code, std::string(field), std::move(detail)};
}

std::string size_detail(std::string_view what, std::size_t actual, std::size_t limit) {
  std::string out(what);
  out += " is ";
  out += std::to_string(actual);
  out += " bytes, limit is ";
  out += std::to_string(limit);
  return out;
}

// A key as the `field` of a Rejection: itself when it is short and printable, else quoted.
std::string field_name_for(std::string_view key) {
  const bool plain =
      !key.empty() && key.size() <= 64 && std::none_of(key.begin(), key.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f || byte == '"' || byte == '\\';
      });
  return plain ? std::string(key) : detail::quote_for_message(key, 64);
}

std::string code_point_name(unsigned value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+0000";
  out[4] = kHex[(value >> 4) & 0xf];
  out[5] = kHex[value & 0xf];
  return out;
}

Rejection json_error(simdjson::error_code error) {
  using simdjson::error_code;
  switch (error) {
    case error_code::UTF8_ERROR:
      return reject(RejectionCode::kInvalidUtf8, "", "record is not valid UTF-8");
    case error_code::EMPTY:
      return reject(RejectionCode::kEmptyRecord, "", "record contains only whitespace");
    case error_code::NUMBER_ERROR:
    case error_code::NUMBER_OUT_OF_RANGE:
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: malformed number, or number out of range (integers must fit "
                    "in 64 bits, -2^63..2^64-1; other numbers in a double, |x| <= 1.8e308)");
    case error_code::STRING_ERROR:
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: bad escape in a string (unknown escape, or a \\u escape of an "
                    "unpaired UTF-16 surrogate such as \\ud800)");
    case error_code::UNESCAPED_CHARS:
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: control character (U+0000..U+001F) not escaped in a string");
    case error_code::UNCLOSED_STRING:
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: a string is not closed (truncated record?)");
    case error_code::DEPTH_ERROR:
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: nested deeper than " +
                        std::to_string(simdjson::DEFAULT_MAX_DEPTH) + " levels");
    case error_code::MEMALLOC:
      throw std::bad_alloc();
    default:
      return reject(RejectionCode::kInvalidJson, "",
                    std::string("invalid JSON: ") + simdjson::error_message(error));
  }
}

// Index of the first byte that is a control character (U+0000..U+001F, U+007F), or npos. In
// valid UTF-8 these code points are exactly these single bytes.
std::size_t find_control(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool has_nul(std::string_view text) {
  return !text.empty() && std::memchr(text.data(), '\0', text.size()) != nullptr;
}

// Appends one path segment in JSON Pointer form (RFC 6901: '~' -> "~0", '/' -> "~1").
void append_pointer_segment(std::string& out, std::string_view segment) {
  out += '/';
  for (char c : segment) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
}

}  // namespace

struct EventParser::Impl {
  explicit Impl(const EventLimits& limits_in)
      : limits(limits_in),
        parser(std::max<std::size_t>(1, std::min<std::size_t>(limits_in.max_record_bytes,
                                                              simdjson::SIMDJSON_MAXSIZE_BYTES))) {}

  ParseOutcome parse(std::string_view record);

  std::optional<Rejection> check_text(const dom::element& value, Slot slot, std::size_t limit,
                                      std::string_view& out) const;
  std::optional<Rejection> check_payload(const dom::element& value);
  bool walk(const dom::element& value, std::size_t depth);
  std::optional<std::string_view> find_duplicate(std::size_t base);
  void fail(RejectionCode code, std::string detail) {
    failure_code = code;
    failure_detail = std::move(detail);
  }

  const EventLimits limits;
  // Reused across calls: its document, tape, string buffer and padded input copy only grow.
  dom::parser parser;
  // Keys of the object being checked for duplicates (views into the parser's string buffer).
  std::vector<std::string_view> keys;
  // Payload serializer, reused so that minifying does not allocate once warmed up. It is
  // simdjson's own minifier (what simdjson::minify uses), from simdjson's internal namespace.
  simdjson::internal::string_builder<> builder;
  // Set by walk() on failure; path segments are pushed innermost first while unwinding.
  RejectionCode failure_code = RejectionCode::kInvalidJson;
  std::string failure_detail;
  std::vector<std::string> failure_path;
};

ParseOutcome EventParser::Impl::parse(std::string_view record) {
  if (record.empty()) {
    return reject(RejectionCode::kEmptyRecord, "", "record is empty");
  }
  if (record.size() > limits.max_record_bytes) {
    return reject(RejectionCode::kRecordTooLarge, "",
                  size_detail("record", record.size(), limits.max_record_bytes));
  }
  if (const void* nul = std::memchr(record.data(), '\0', record.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - record.data());
    return reject(RejectionCode::kInvalidJson, "",
                  "invalid JSON: contains a NUL byte at offset " + std::to_string(offset) +
                      " (JSON text cannot contain one; in a string it must be written \\u0000, "
                      "which is refused anyway)");
  }
  if (record.size() >= 3 && record.substr(0, 3) == "\xEF\xBB\xBF") {
    return reject(RejectionCode::kInvalidJson, "",
                  "invalid JSON: starts with a UTF-8 byte order mark");
  }

  // realloc_if_needed = true: simdjson copies the record into its own padded buffer, which the
  // parser keeps and only ever grows, so this does not allocate once warmed up.
  dom::element root;
  if (const auto error = parser.parse(record.data(), record.size(), true).get(root)) {
    return json_error(error);
  }
  if (root.type() != dom::element_type::OBJECT) {
    return reject(RejectionCode::kNotAnObject, "",
                  "record must be a JSON object, got " + std::string(type_name(root.type())));
  }

  dom::element fields[kSlotCount];
  bool present[kSlotCount] = {};
  keys.clear();
  // (Copies, not references: value_unsafe() returns a reference into the temporary result.)
  const dom::object root_object = root.get_object().value_unsafe();
  for (const dom::key_value_pair field : root_object) {
    keys.push_back(field.key);
    if (const int slot = slot_of(field.key); slot >= 0) {
      fields[slot] = field.value;
      present[slot] = true;
    }
  }
  if (const auto duplicate = find_duplicate(0)) {
    return reject(RejectionCode::kDuplicateKey, field_name_for(*duplicate),
                  "key appears more than once in the record");
  }
  for (std::size_t slot = 0; slot < kSlotCount; ++slot) {
    if (!present[slot]) {
      return reject(RejectionCode::kMissingField, kSlotNames[slot], "is required");
    }
  }

  std::string_view topic;
  std::string_view event_id;
  std::string_view timestamp_text;
  std::string_view source;
  if (auto rejection = check_text(fields[kTopic], kTopic, limits.max_identifier_bytes, topic)) {
    return std::move(*rejection);
  }
  if (auto rejection =
          check_text(fields[kEventId], kEventId, limits.max_identifier_bytes, event_id)) {
    return std::move(*rejection);
  }
  // The timestamp grammar is ASCII-only, so no separate length or character checks.
  if (const auto error = fields[kTimestamp].get_string().get(timestamp_text)) {
    return reject(RejectionCode::kWrongType, "timestamp",
                  "must be a string, got " + std::string(type_name(fields[kTimestamp].type())));
  }
  if (timestamp_text.empty()) {
    return reject(RejectionCode::kEmptyField, "timestamp", "must not be empty");
  }
  auto time = parse_timestamp(timestamp_text);
  if (auto* reason = std::get_if<std::string>(&time)) {
    return reject(RejectionCode::kInvalidTimestamp, "timestamp", std::move(*reason));
  }
  if (auto rejection = check_text(fields[kSource], kSource, limits.max_source_bytes, source)) {
    return std::move(*rejection);
  }
  if (auto rejection = check_payload(fields[kPayload])) {
    return std::move(*rejection);
  }

  ParseOutcome outcome{std::in_place_type<Event>};
  Event& event = std::get<Event>(outcome);
  event.topic.assign(topic);
  event.event_id.assign(event_id);
  event.timestamp = std::get<EventTime>(time);
  event.source.assign(source);
  event.payload_json.assign(builder.str());
  return outcome;
}

std::optional<Rejection> EventParser::Impl::check_text(const dom::element& value, Slot slot,
                                                       std::size_t limit,
                                                       std::string_view& out) const {
  const std::string_view name = kSlotNames[slot];
  if (value.get_string().get(out)) {
    return reject(RejectionCode::kWrongType, name,
                  "must be a string, got " + std::string(type_name(value.type())));
  }
  if (out.empty()) {
    return reject(RejectionCode::kEmptyField, name, "must not be empty");
  }
  if (out.size() > limit) {
    return reject(RejectionCode::kFieldTooLong, name, size_detail("value", out.size(), limit));
  }
  if (const std::size_t at = find_control(out); at != std::string_view::npos) {
    const auto byte = static_cast<unsigned char>(out[at]);
    return reject(RejectionCode::kInvalidCharacter, name,
                  "contains control character " + code_point_name(byte) + " at byte offset " +
                      std::to_string(at) +
                      (byte == 0 ? " (PostgreSQL text cannot store U+0000)" : ""));
  }
  return std::nullopt;
}

std::optional<Rejection> EventParser::Impl::check_payload(const dom::element& value) {
  if (value.type() != dom::element_type::OBJECT) {
    return reject(RejectionCode::kWrongType, "payload",
                  "must be an object, got " + std::string(type_name(value.type())));
  }
  keys.clear();
  failure_path.clear();
  if (!walk(value, 0)) {
    std::string pointer;
    for (auto it = failure_path.rbegin(); it != failure_path.rend(); ++it) {
      append_pointer_segment(pointer, *it);
    }
    std::string detail = std::move(failure_detail);
    detail += pointer.empty() ? " at the top level of the payload"
                              : " at " + detail::quote_for_message(pointer, 200);
    return reject(failure_code, "payload", std::move(detail));
  }
  builder.clear();
  builder.append(value);
  const std::size_t size = builder.str().size();
  if (size > limits.max_payload_bytes) {
    return reject(RejectionCode::kPayloadTooLarge, "payload",
                  size_detail("minified payload", size, limits.max_payload_bytes));
  }
  return std::nullopt;
}

// Checks one value of the payload; `depth` is the number of containers around it. On failure
// records the reason (fail()) and the path from this value down, and returns false.
bool EventParser::Impl::walk(const dom::element& value, std::size_t depth) {
  switch (value.type()) {
    case dom::element_type::OBJECT: {
      if (depth + 1 > limits.max_payload_depth) {
        fail(RejectionCode::kPayloadTooDeep,
             "nesting depth exceeds " + std::to_string(limits.max_payload_depth));
        return false;
      }
      const dom::object object = value.get_object().value_unsafe();
      const std::size_t base = keys.size();
      for (const dom::key_value_pair field : object) {
        if (has_nul(field.key)) {
          fail(RejectionCode::kInvalidCharacter,
               "U+0000 in a key (PostgreSQL jsonb cannot store it)");
          failure_path.emplace_back(field.key);
          return false;
        }
        keys.push_back(field.key);
      }
      const std::optional<std::string_view> duplicate = find_duplicate(base);
      keys.resize(base);
      if (duplicate) {
        fail(RejectionCode::kDuplicateKey,
             "duplicate key " + detail::quote_for_message(*duplicate, 64));
        return false;
      }
      for (const dom::key_value_pair field : object) {
        if (!walk(field.value, depth + 1)) {
          failure_path.emplace_back(field.key);
          return false;
        }
      }
      return true;
    }
    case dom::element_type::ARRAY: {
      if (depth + 1 > limits.max_payload_depth) {
        fail(RejectionCode::kPayloadTooDeep,
             "nesting depth exceeds " + std::to_string(limits.max_payload_depth));
        return false;
      }
      std::size_t index = 0;
      const dom::array array = value.get_array().value_unsafe();
      for (const dom::element item : array) {
        if (!walk(item, depth + 1)) {
          failure_path.push_back(std::to_string(index));
          return false;
        }
        ++index;
      }
      return true;
    }
    case dom::element_type::STRING: {
      if (has_nul(value.get_string().value_unsafe())) {
        fail(RejectionCode::kInvalidCharacter,
             "U+0000 in a string (PostgreSQL jsonb cannot store it)");
        return false;
      }
      return true;
    }
    default:
      return true;
  }
}

// Looks for a repeated key among keys[base..]. Small objects (the usual case) are compared
// pairwise and report the first repeat in document order; large ones are sorted (O(n log n),
// so a hostile record with many keys costs little) and report the smallest repeated key.
std::optional<std::string_view> EventParser::Impl::find_duplicate(std::size_t base) {
  const std::size_t count = keys.size() - base;
  if (count < 2) {
    return std::nullopt;
  }
  if (count <= 16) {
    for (std::size_t i = base + 1; i < keys.size(); ++i) {
      for (std::size_t j = base; j < i; ++j) {
        if (keys[i] == keys[j]) {
          return keys[i];
        }
      }
    }
    return std::nullopt;
  }
  const auto begin = keys.begin() + static_cast<std::ptrdiff_t>(base);
  std::sort(begin, keys.end());
  const auto repeat = std::adjacent_find(begin, keys.end());
  if (repeat != keys.end()) {
    return *repeat;
  }
  return std::nullopt;
}

EventParser::EventParser(EventLimits limits)
    : limits_(limits), impl_(std::make_unique<Impl>(limits)) {}
EventParser::~EventParser() = default;
EventParser::EventParser(EventParser&&) noexcept = default;
EventParser& EventParser::operator=(EventParser&&) noexcept = default;

ParseOutcome EventParser::parse(std::string_view record) {
  if (!impl_) {  // moved from: make it usable again rather than crash
    impl_ = std::make_unique<Impl>(limits_);
  }
  return impl_->parse(record);
}

}  // namespace eventsink
