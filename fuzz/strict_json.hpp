// A second, deliberately plain reading of JSON, for the fuzz targets to judge the real parsers by.
//
// It shares no code with EventParser, the /publish body splitter or simdjson: a recursive-descent
// reader of RFC 8259 written for clarity rather than speed, which builds a small tree. It is
// exactly as strict as the project promises to be (common/event_parser.cpp, rule 4):
//   - the whole text must be UTF-8, checked byte by byte: no overlong forms, no encoded
//     surrogates (U+D800..U+DFFF), nothing above U+10FFFF;
//   - whitespace is space, tab, LF and CR only; one value, nothing after it but whitespace;
//   - numbers are checked against the grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
//     and kept as text, never converted;
//   - strings: no raw U+0000..U+001F; escapes \" \\ \/ \b \f \n \r \t \uXXXX, where a \u escape
//     of a UTF-16 surrogate must be a high one directly followed by a \u escape of a low one;
//   - nesting: simdjson (and so EventParser) refuses values nested deeper than 1024 (the root
//     value is at depth 1, a value inside it at depth 2, ...). The reader stops there too and
//     says kTooDeep: such a text is refused whatever else it holds.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eventsink::fuzz {

struct JsonMember;

struct JsonValue {
  enum class Kind { kNull, kBoolean, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  std::string_view source;          // the value's bytes in the text, without whitespace around them
  std::string string;               // kString: the decoded value (UTF-8; may contain U+0000)
  std::vector<JsonMember> members;  // kObject, in document order
  std::vector<JsonValue> elements;  // kArray
};

struct JsonMember {
  std::string key;  // decoded
  JsonValue value;
};

struct JsonReading {
  enum class Verdict { kValid, kInvalid, kTooDeep };

  Verdict verdict = Verdict::kInvalid;
  bool valid_utf8 = false;  // the whole text, whatever the verdict
  JsonValue root;           // meaningful when kValid; its views point into the text
};

// The deepest nesting simdjson accepts (simdjson::DEFAULT_MAX_DEPTH), as measured: 1024 nested
// empty arrays are fine, a value inside the 1024th is not.
inline constexpr std::size_t kMaxJsonDepth = 1024;

// Reads `text` as one strict JSON text. The reading refers to `text`, which must outlive it.
JsonReading read_json(std::string_view text);

// True when `text` is well-formed UTF-8 (the rules above).
bool is_valid_utf8(std::string_view text);

// True for the four bytes JSON allows between tokens.
bool is_json_whitespace(char c);

// `json`, which must be valid JSON, without the whitespace between its tokens; every other byte
// is kept (escapes, number spellings).
std::string minify(std::string_view json);

// Nesting of containers in `value`: 0 for a scalar, 1 for {} or [1], 2 for {"a":[1]}, ...
std::size_t container_depth(const JsonValue& value);

}  // namespace eventsink::fuzz
