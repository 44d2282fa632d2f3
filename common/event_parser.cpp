// EventParser: the one validator every way into the system uses (see common/event.hpp).
//
// THE RULES, in the order they are checked (the first failure is the one reported):
//
//  Record (field ""):
//   1. Empty (0 bytes)                      -> kEmptyRecord. Only whitespace -> kEmptyRecord too.
//   2. More than limits.max_record_bytes    -> kRecordTooLarge (checked before any parsing).
//   3. A raw NUL byte anywhere              -> kInvalidJson ("contains a NUL byte at offset N").
//      A leading UTF-8 byte order mark      -> kInvalidJson.
//   4. RFC 8259 strict JSON (simdjson DOM): no comments, no trailing commas, no NaN/Infinity,
//      nothing after the value:
//        invalid UTF-8 anywhere (keys, values, between tokens; overlong forms, encoded
//        surrogates, > U+10FFFF)        -> kInvalidUtf8
//        everything else                -> kInvalidJson, with a reason. In particular:
//          - "\ud800", "\udc00", "\ud800\u0041": \u escapes of unpaired UTF-16 surrogates are
//            refused (PostgreSQL refuses them too);
//          - NUMBERS are checked against the RFC 8259 grammar only
//            (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, so 01, 1., .5, +1, 0x10 are
//            refused), never converted: any size and precision is valid JSON (18446744073709551616,
//            1e400, 1e-400, 0.12345678901234567890). PostgreSQL's limits apply to the payload
//            only, see below;
//          - nesting deeper than 1024 levels anywhere in the record (simdjson's limit).
//   5. The value must be an object         -> kNotAnObject otherwise (array, string, number,
//      true/false, null).
//   6. No key may appear twice at the top level -> kDuplicateKey, field = that key. Keys are
//      compared byte for byte after unescaping ("a" and "\u0061" are the same key).
//   7. Top-level keys other than the five below are ALLOWED AND IGNORED (not validated beyond
//      rules 3-6, not stored: even a "\u0000" in them, or a number PostgreSQL could not store,
//      is accepted, as it never reaches the database), so producers can add fields without
//      breaking consumers. Key names are case-sensitive: "Topic" is an unknown key.
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
//       a number PostgreSQL's numeric type (what jsonb stores numbers as) cannot hold
//         -> kInvalidJson, field "payload" (PostgreSQL would fail the whole batch with "value
//         overflows numeric format"). Measured on PostgreSQL 15, the limits are: at most 131072
//         digits before the decimal point (1e131071 and 99e131070 are fine, 1e131072 and
//         10e131071 are not), at most 16383 after it, counting the digits written after the
//         point minus the exponent even when they are zeros (1e-16383, 12.5e-16382 and
//         0.0000e-16379 are fine; 1e-16384, 0e-16384, 0.5e-16383 are not), and an exponent
//         below 1073741823 in magnitude (0e1073741822 is fine, 0e1073741823 is not);
//     then the payload's stored text (below) must be at most limits.max_payload_bytes
//     -> kPayloadTooLarge. The detail of payload rejections gives a JSON-Pointer-like path.
//
//  WHAT IS STORED (payload_json): the payload exactly as the producer wrote it, minified. Only
//   whitespace between tokens is removed (minify_tokens); every other byte is the producer's:
//   key order, string escapes ("\u00e9" stays "\u00e9", "\/" stays "\/") and above all NUMBERS
//   are kept verbatim: 1e2 stays 1e2, -0 stays -0, 0.12345678901234567890 and
//   123456789012345678901234567890 keep every digit. PostgreSQL's jsonb then reads numbers as
//   exact numerics, so an amount reaches the database exactly as sent. Minifying is idempotent,
//   so storing what we stored changes nothing.
//   How: numbers are never converted by us, and their text is always the producer's. simdjson
//   parses the record as it is, in a padded copy; it converts numbers as it goes, and refuses
//   those a double or a 64-bit integer cannot hold. Only then (or for any other error) is the
//   record parsed a second time, from a copy in which every token that matches the JSON number
//   grammar is overwritten by "0" and spaces (neutralize_numbers: same length, so offsets do not
//   move; a token that does not match is left for simdjson to refuse): that copy is valid JSON
//   exactly when the record is, and its verdict is the one reported. Either way, the structural
//   index simdjson built (index_document) locates the members of the root object and every
//   number token in the original text: the payload is stored from its tokens, and its numbers are
//   checked against PostgreSQL's limits in the original text, matched to the DOM's number
//   elements by their order in the document.
//
//  Every `field` and `detail` of a Rejection is valid UTF-8 without NUL or other control
//  characters (quoted input is escaped and shortened), so it can be stored in a text column.
//
//  Never throws for any input; the only exception that can escape is std::bad_alloc.

#include <algorithm>
#include <cstddef>
#include <cstdint>
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

// Sets `out` to `text`, in the buffer it has when that is large enough, else in one of exactly
// `text`'s size. std::string::assign would grow the buffer to at least twice its old capacity: in
// an Event parsed into again and again (Batch::next_event), each string would then drift towards
// twice the largest value it ever held.
void assign_exactly(std::string& out, std::string_view text) {
  if (text.size() > out.capacity()) {
    out = std::string(text);
  } else {
    out.assign(text);
  }
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
      // Reported from the copy with numbers neutralized (neutralize_numbers): a malformed one.
      return reject(RejectionCode::kInvalidJson, "",
                    "invalid JSON: malformed number (JSON numbers are "
                    "-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? : no leading zero, no '+' "
                    "sign, digits on both sides of '.')");
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

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Bytes a JSON number can contain. A number token ends at the first other byte.
bool is_number_byte(char c) {
  return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// Index just past the number token that starts at `begin` of `text`: the end of its run of
// is_number_byte bytes, whether or not they form a valid number.
std::size_t number_token_end(std::string_view text, std::size_t begin) {
  std::size_t end = begin + 1;
  while (end < text.size() && is_number_byte(text[end])) {
    ++end;
  }
  return end;
}

// True if `token` is exactly one number of RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view token) {
  std::size_t i = 0;
  const std::size_t n = token.size();
  auto digits = [&] {
    const std::size_t start = i;
    while (i < n && is_digit(token[i])) {
      ++i;
    }
    return i > start;
  };
  if (i < n && token[i] == '-') {
    ++i;
  }
  if (i < n && token[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < n && token[i] == '.') {
    ++i;
    if (!digits()) {
      return false;
    }
  }
  if (i < n && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < n && (token[i] == '+' || token[i] == '-')) {
      ++i;
    }
    if (!digits()) {
      return false;
    }
  }
  return i == n;
}

// PostgreSQL's numeric limits (src/backend/utils/adt/numeric.c of PostgreSQL 15, checked against
// a PostgreSQL 15 server): NUMERIC_WEIGHT_MAX (32767 base-10000 digits before the point, i.e.
// 131072 decimal digits), NUMERIC_DSCALE_MAX (16383 digits after it) and set_var_from_str's
// "exponent >= INT_MAX / 2 || exponent <= -(INT_MAX / 2)".
constexpr std::int64_t kNumericMaxPower = 131071;  // of the leading nonzero digit
constexpr std::int64_t kNumericMaxScale = 16383;
constexpr std::int64_t kNumericMaxExponent = 1073741823;  // INT_MAX / 2, itself refused

// Why PostgreSQL's numeric type cannot hold `number` (a valid JSON number), or nullptr if it
// can. jsonb stores every number as a numeric; one it cannot hold fails the whole INSERT.
const char* numeric_problem(std::string_view number) {
  std::size_t i = number.empty() || number[0] != '-' ? 0 : 1;
  const std::size_t n = number.size();
  const std::size_t int_begin = i;
  while (i < n && is_digit(number[i])) {
    ++i;
  }
  const std::size_t int_end = i;
  std::size_t frac_begin = i;
  if (i < n && number[i] == '.') {
    frac_begin = ++i;
    while (i < n && is_digit(number[i])) {
      ++i;
    }
  }
  const std::size_t frac_end = i;
  std::int64_t exponent = 0;
  if (i < n) {  // 'e' or 'E'
    ++i;
    bool negative = false;
    if (i < n && (number[i] == '+' || number[i] == '-')) {
      negative = number[i] == '-';
      ++i;
    }
    for (; i < n; ++i) {
      exponent = exponent * 10 + (number[i] - '0');
      if (exponent >= kNumericMaxExponent) {
        return "its exponent is out of range";
      }
    }
    if (negative) {
      exponent = -exponent;
    }
  }
  // Digits after the point: those written, minus the exponent (zeros count too: PostgreSQL
  // keeps the scale of 0.000).
  const auto written_scale = static_cast<std::int64_t>(frac_end - frac_begin);
  if (written_scale - exponent > kNumericMaxScale) {
    return "it has more than 16383 digits after the decimal point";
  }
  // Digits before the point: the power of ten of the leading nonzero digit.
  for (std::size_t at = int_begin; at < frac_end; ++at) {
    if (at == int_end) {  // the '.'
      continue;
    }
    if (number[at] != '0') {
      const std::int64_t power = (at < int_end ? static_cast<std::int64_t>(int_end - at) - 1
                                               : -static_cast<std::int64_t>(at - int_end)) +
                                 exponent;
      if (power > kNumericMaxPower) {
        return "it has more than 131072 digits before the decimal point";
      }
      break;
    }
  }
  return nullptr;
}

// Index just past the string that starts with the '"' at `open`, or `size` if it is not closed.
// A '"' closes the string unless an odd number of backslashes precede it.
std::size_t skip_string(const char* text, std::size_t size, std::size_t open) {
  auto closes = [&](std::size_t quote) {
    std::size_t backslashes = 0;
    while (quote - backslashes > open + 1 && text[quote - backslashes - 1] == '\\') {
      ++backslashes;
    }
    return backslashes % 2 == 0;
  };
  std::size_t from = open + 1;
  // Most strings are short keys and values: byte by byte is faster than calling memchr.
  for (const std::size_t short_end = std::min(size, from + 32); from < short_end; ++from) {
    if (text[from] == '"' && closes(from)) {
      return from + 1;
    }
  }
  while (from < size) {
    const void* found = std::memchr(text + from, '"', size - from);
    if (found == nullptr) {
      break;
    }
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(found) - text);
    if (closes(quote)) {
      return quote + 1;
    }
    from = quote + 1;
  }
  return size;
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_structural(char c) {
  return c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',';
}

}  // namespace

struct EventParser::Impl {
  explicit Impl(const EventLimits& limits_in)
      : limits(limits_in),
        parser(std::max<std::size_t>(1, std::min<std::size_t>(limits_in.max_record_bytes,
                                                              simdjson::SIMDJSON_MAXSIZE_BYTES))) {}

  // One member of the root object, as index_document found it: tokens [first_token, end_token)
  // of the structural index are its value, numbers[first_number..] its numbers.
  struct Member {
    std::size_t first_token;
    std::size_t end_token;
    std::size_t first_number;
  };
  // A number token of the record: record.substr(offset, length).
  struct Number {
    std::size_t offset;
    std::size_t length;
  };

  std::optional<Rejection> parse_into(std::string_view record, Event& event);

  static void neutralize_numbers(char* text, std::size_t size);
  void index_document();
  std::size_t minify_tokens(const Member& member, char* out) const;
  std::optional<Rejection> check_text(const dom::element& value, Slot slot, std::size_t limit,
                                      std::string_view& out) const;
  std::optional<Rejection> check_payload(const dom::element& value, const Member& member);
  bool walk(const dom::element& payload);
  bool enter(const dom::element& container);
  bool check_keys(const dom::object& object);
  bool check_scalar(const dom::element& value);
  void note_failure_path();
  std::optional<std::string_view> find_duplicate(std::size_t base);
  void fail(RejectionCode code, std::string detail) {
    failure_code = code;
    failure_detail = std::move(detail);
  }
  // A buffer of at least `size` bytes plus simdjson's padding, grown as needed (never beyond
  // the largest record, so at most max_record_bytes + padding each).
  char* reserve(std::unique_ptr<char[]>& buffer, std::size_t& capacity, std::size_t size) const {
    if (capacity < size || !buffer) {
      capacity = std::max(size, std::min(2 * capacity, limits.max_record_bytes));
      buffer = std::make_unique_for_overwrite<char[]>(capacity + simdjson::SIMDJSON_PADDING);
    }
    return buffer.get();
  }

  const EventLimits limits;
  // Reused across calls: its document, tape and string buffer only grow.
  dom::parser parser;
  // The record being parsed (the caller's bytes, with the original numbers).
  std::string_view input;
  // The padded copy simdjson parses (numbers neutralized, the second time); the minified payload.
  std::unique_ptr<char[]> copy;
  std::size_t copy_capacity = 0;
  std::unique_ptr<char[]> minified;
  std::size_t minified_capacity = 0;
  std::size_t minified_size = 0;
  // What index_document found, in document order, and the index itself (the parser's: valid
  // until its next parse).
  std::vector<Member> members;
  std::vector<Number> numbers;
  const std::uint32_t* token_offsets = nullptr;
  std::size_t token_count = 0;
  // The next number walk() will meet: an index into `numbers`.
  std::size_t next_number = 0;
  // Keys of the object being checked for duplicates (views into the parser's string buffer).
  std::vector<std::string_view> keys;
  // Set by walk() on failure; path segments are pushed innermost first while unwinding.
  RejectionCode failure_code = RejectionCode::kInvalidJson;
  std::string failure_detail;
  std::vector<std::string> failure_path;
  // walk()'s explicit stack: one entry per container around the value being checked.
  struct Level {
    bool is_object = false;
    dom::object::iterator next_field;
    dom::object::iterator fields_end;
    dom::array::iterator next_item;
    dom::array::iterator items_end;
    std::string_view current_key;   // objects: the key of the value being checked
    std::size_t current_index = 0;  // arrays: the index of the value being checked
    std::size_t items_seen = 0;
  };
  std::vector<Level> levels;
};

// Overwrites, in the copy of a record that simdjson refused, every number token (a run of
// is_number_byte bytes outside strings, starting with '-' or a digit) that is_json_number accepts
// by "0" and spaces: parsed again, simdjson then never converts a number, so none is out of its
// range, and the copy is valid JSON exactly when the record is (a number is still a number, of
// the same length; tokens that are not valid numbers are left as they are for simdjson to
// refuse). It runs on any input and never reads outside [text, text + size); for valid JSON its
// idea of strings and tokens is exactly JSON's.
void EventParser::Impl::neutralize_numbers(char* text, std::size_t size) {
  std::size_t i = 0;
  while (i < size) {
    const char c = text[i];
    if (c == '"') {
      i = skip_string(text, size, i);
    } else if (c == '-' || is_digit(c)) {
      const std::size_t end = number_token_end(std::string_view(text, size), i);
      if (is_json_number(std::string_view(text + i, end - i))) {
        text[i] = '0';
        std::memset(text + i + 1, ' ', end - i - 1);
      }
      i = end;
    } else {
      ++i;
    }
  }
}

// Records, from the structural index of the document simdjson has just accepted, the value
// tokens of each member of the root object (a ':' at depth 1 opens one, the next ',' or '}' at
// depth 1 closes it) and every number token, with its text in the original record. The index
// lists, in document order, each structural character and the first byte of each string and
// scalar; stage 2 builds the DOM from it, so the two list the same values in the same order.
//
// The index lives in the parser's implementation object, a public member that simdjson documents
// as there for benchmarks: its shape is pinned by Debian 12's simdjson 3.0.1 and covered by the
// parser's tests, which check stored payloads and numbers byte for byte.
void EventParser::Impl::index_document() {
  const auto& stage1 = *parser.implementation;
  token_offsets = stage1.structural_indexes.get();
  token_count = stage1.n_structural_indexes;
  members.clear();
  numbers.clear();
  std::size_t depth = 0;
  bool in_member = false;
  for (std::size_t k = 0; k < token_count; ++k) {
    const std::size_t at = token_offsets[k];
    const char c = input[at];
    switch (c) {
      case '{':
      case '[':
        ++depth;
        break;
      case '}':
      case ']':
        if (depth == 1 && in_member) {
          members.back().end_token = k;
          in_member = false;
        }
        --depth;
        break;
      case ':':
        if (depth == 1) {
          members.push_back(Member{k + 1, token_count, numbers.size()});
          in_member = true;
        }
        break;
      case ',':
        if (depth == 1 && in_member) {
          members.back().end_token = k;
          in_member = false;
        }
        break;
      default:
        if (c == '-' || is_digit(c)) {
          numbers.push_back(Number{at, number_token_end(input, at) - at});
        }
        break;
    }
  }
}

// Writes the member's value to `out` (room for input.size() bytes) as the producer wrote it, less
// the whitespace between tokens; returns the size written. A token that is not a structural
// character runs to the next token, less the whitespace before it: a string ends with its '"'.
std::size_t EventParser::Impl::minify_tokens(const Member& member, char* out) const {
  std::size_t size = 0;
  for (std::size_t k = member.first_token; k < member.end_token; ++k) {
    const std::size_t at = token_offsets[k];
    if (is_structural(input[at])) {
      out[size++] = input[at];
      continue;
    }
    std::size_t end = k + 1 < token_count ? token_offsets[k + 1] : input.size();
    while (end > at + 1 && is_json_space(input[end - 1])) {
      --end;
    }
    std::memcpy(out + size, input.data() + at, end - at);
    size += end - at;
  }
  return size;
}

std::optional<Rejection> EventParser::Impl::parse_into(std::string_view record, Event& event) {
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

  // simdjson parses a padded copy: as it is, then, if it refuses that, with the numbers
  // neutralized (see "How" above). The buffers are kept and only grow, so this does not allocate
  // once warmed up.
  input = record;
  char* text = reserve(copy, copy_capacity, record.size());
  std::memcpy(text, record.data(), record.size());
  std::memset(text + record.size(), 0, simdjson::SIMDJSON_PADDING);
  dom::element root;
  if (parser.parse(text, record.size(), false).get(root)) {
    neutralize_numbers(text, record.size());
    if (const auto error = parser.parse(text, record.size(), false).get(root)) {
      return json_error(error);
    }
  }
  index_document();
  if (root.type() != dom::element_type::OBJECT) {
    return reject(RejectionCode::kNotAnObject, "",
                  "record must be a JSON object, got " + std::string(type_name(root.type())));
  }

  dom::element fields[kSlotCount];
  bool present[kSlotCount] = {};
  std::size_t payload_member = 0;
  keys.clear();
  // (Copies, not references: value_unsafe() returns a reference into the temporary result.)
  const dom::object root_object = root.get_object().value_unsafe();
  for (const dom::key_value_pair field : root_object) {
    if (const int slot = slot_of(field.key); slot >= 0) {
      fields[slot] = field.value;
      present[slot] = true;
      if (slot == kPayload) {
        payload_member = keys.size();
      }
    }
    keys.push_back(field.key);
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
  // The structural index lists exactly the root's members, in document order.
  if (members.size() != keys.size()) {  // cannot happen; refuse rather than store wrong bytes
    return reject(RejectionCode::kInvalidJson, "",
                  "internal error: the record's members could not be located");
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
  if (auto rejection = check_payload(fields[kPayload], members[payload_member])) {
    return std::move(*rejection);
  }

  assign_exactly(event.topic, topic);
  assign_exactly(event.event_id, event_id);
  event.timestamp = std::get<EventTime>(time);
  assign_exactly(event.source, source);
  assign_exactly(event.payload_json, std::string_view(minified.get(), minified_size));
  return std::nullopt;
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

// `member` is where the payload is in the record. On success, minified[0..minified_size) is
// the text to store.
std::optional<Rejection> EventParser::Impl::check_payload(const dom::element& value,
                                                          const Member& member) {
  if (value.type() != dom::element_type::OBJECT) {
    return reject(RejectionCode::kWrongType, "payload",
                  "must be an object, got " + std::string(type_name(value.type())));
  }
  keys.clear();
  failure_path.clear();
  next_number = member.first_number;
  if (!walk(value)) {
    std::string pointer;
    for (auto it = failure_path.rbegin(); it != failure_path.rend(); ++it) {
      append_pointer_segment(pointer, *it);
    }
    std::string detail = std::move(failure_detail);
    detail += pointer.empty() ? " at the top level of the payload"
                              : " at " + detail::quote_for_message(pointer, 200);
    return reject(failure_code, "payload", std::move(detail));
  }
  // The producer's text of the payload, minified.
  char* out = reserve(minified, minified_capacity, input.size());
  minified_size = minify_tokens(member, out);
  if (minified_size < 2 || out[0] != '{' || out[minified_size - 1] != '}') {  // cannot happen
    return reject(RejectionCode::kInvalidJson, "payload",
                  "internal error: the payload's text could not be located");
  }
  if (minified_size > limits.max_payload_bytes) {
    return reject(RejectionCode::kPayloadTooLarge, "payload",
                  size_detail("minified payload", minified_size, limits.max_payload_bytes));
  }
  return std::nullopt;
}

// Checks every value of the payload, depth first, in document order. On failure records the
// reason (fail()) and the path to the offending value (innermost first), and returns false.
//
// Iterative, with an explicit stack (`levels`): it also runs on the HTTP server's threads
// (POST /publish), whose stacks civetweb makes 100 KB, and how deep a payload goes must not
// decide whether a thread's stack suffices.
bool EventParser::Impl::walk(const dom::element& payload) {
  levels.clear();
  if (!enter(payload)) {
    return false;
  }
  while (!levels.empty()) {
    Level& top = levels.back();
    dom::element value;
    if (top.is_object) {
      if (top.next_field == top.fields_end) {
        levels.pop_back();
        continue;
      }
      const dom::key_value_pair field = *top.next_field;
      ++top.next_field;
      top.current_key = field.key;
      value = field.value;
    } else {
      if (top.next_item == top.items_end) {
        levels.pop_back();
        continue;
      }
      value = *top.next_item;
      ++top.next_item;
      top.current_index = top.items_seen++;
    }
    const dom::element_type type = value.type();
    const bool container = type == dom::element_type::OBJECT || type == dom::element_type::ARRAY;
    // enter() may grow `levels`, which invalidates `top`: nothing below uses it.
    if (!(container ? enter(value) : check_scalar(value))) {
      note_failure_path();
      return false;
    }
  }
  return true;
}

// Pushes an object or array onto `levels`, once its depth and (for objects) its keys pass.
bool EventParser::Impl::enter(const dom::element& container) {
  if (levels.size() + 1 > limits.max_payload_depth) {
    fail(RejectionCode::kPayloadTooDeep,
         "nesting depth exceeds " + std::to_string(limits.max_payload_depth));
    return false;
  }
  Level level;
  if (container.type() == dom::element_type::OBJECT) {
    const dom::object object = container.get_object().value_unsafe();
    if (!check_keys(object)) {
      return false;
    }
    level.is_object = true;
    level.next_field = object.begin();
    level.fields_end = object.end();
  } else {
    const dom::array array = container.get_array().value_unsafe();
    level.next_item = array.begin();
    level.items_end = array.end();
  }
  levels.push_back(level);
  return true;
}

// Appends the path of the value being checked at each level, innermost first.
void EventParser::Impl::note_failure_path() {
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    if (level->is_object) {
      failure_path.emplace_back(level->current_key);
    } else {
      failure_path.push_back(std::to_string(level->current_index));
    }
  }
}

// An object's keys: no U+0000, no repeats.
bool EventParser::Impl::check_keys(const dom::object& object) {
  const std::size_t base = keys.size();
  for (const dom::key_value_pair field : object) {
    if (has_nul(field.key)) {
      fail(RejectionCode::kInvalidCharacter, "U+0000 in a key (PostgreSQL jsonb cannot store it)");
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
  return true;
}

// A string without U+0000, a number PostgreSQL can store; true, false and null are fine.
bool EventParser::Impl::check_scalar(const dom::element& value) {
  switch (value.type()) {
    case dom::element_type::STRING: {
      if (has_nul(value.get_string().value_unsafe())) {
        fail(RejectionCode::kInvalidCharacter,
             "U+0000 in a string (PostgreSQL jsonb cannot store it)");
        return false;
      }
      return true;
    }
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: {
      // The DOM may hold a conversion or a neutralized "0"; the producer's number is the next
      // one index_document found (both go through the document in order).
      if (next_number >= numbers.size()) {  // cannot happen
        fail(RejectionCode::kInvalidJson, "internal error: a number could not be located");
        return false;
      }
      const Number& number = numbers[next_number++];
      const std::string_view text = input.substr(number.offset, number.length);
      if (const char* problem = numeric_problem(text)) {
        fail(
            RejectionCode::kInvalidJson,
            "number " + detail::quote_for_message(text, 40) +
                " cannot be stored by PostgreSQL (its numeric type, which jsonb uses): " + problem);
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

std::optional<Rejection> EventParser::parse_into(std::string_view record, Event& event) {
  if (!impl_) {  // moved from: make it usable again rather than crash
    impl_ = std::make_unique<Impl>(limits_);
  }
  return impl_->parse_into(record, event);
}

ParseOutcome EventParser::parse(std::string_view record) {
  Event event;
  if (auto rejection = parse_into(record, event)) {
    return std::move(*rejection);
  }
  return event;
}

}  // namespace eventsink
