#include "fuzz/strict_json.hpp"

#include <algorithm>
#include <cstdint>

namespace eventsink::fuzz {
namespace {

using Kind = JsonValue::Kind;
using Verdict = JsonReading::Verdict;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Length of the well-formed UTF-8 sequence at text[at], or 0 if there is none (Unicode 15,
// table 3-7: the second byte's range depends on the first byte).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const std::size_t left = text.size() - at;
  const unsigned char first = byte(0);
  if (first < 0x80) {
    return 1;
  }
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  std::size_t length = 0;
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    low = first == 0xE0 ? 0xA0 : 0x80;   // no overlong forms
    high = first == 0xED ? 0x9F : 0xBF;  // no surrogates
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    low = first == 0xF0 ? 0x90 : 0x80;   // no overlong forms
    high = first == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (left < length || byte(1) < low || byte(1) > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (!is_continuation(byte(i))) {
      return 0;
    }
  }
  return length;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// The reader proper: each function reads one production of the grammar at `at_` and returns
// false when the text does not match it (or is too deep, which too_deep_ then says).
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  Verdict read_document(JsonValue& root) {
    skip_whitespace();
    if (!read_value(root, 1)) {
      return too_deep_ ? Verdict::kTooDeep : Verdict::kInvalid;
    }
    skip_whitespace();
    return at_ == text_.size() ? Verdict::kValid : Verdict::kInvalid;
  }

 private:
  bool at_end() const { return at_ >= text_.size(); }
  char peek() const { return text_[at_]; }

  bool consume(char expected) {
    if (at_end() || peek() != expected) {
      return false;
    }
    ++at_;
    return true;
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) {
      return false;
    }
    at_ += word.size();
    return true;
  }

  void skip_whitespace() {
    while (!at_end() && is_json_whitespace(peek())) {
      ++at_;
    }
  }

  bool read_value(JsonValue& value, std::size_t depth) {
    if (depth > kMaxJsonDepth) {
      too_deep_ = true;
      return false;
    }
    if (at_end()) {
      return false;
    }
    const std::size_t begin = at_;
    bool ok = false;
    switch (peek()) {
      case '{':
        value.kind = Kind::kObject;
        ok = read_object(value, depth);
        break;
      case '[':
        value.kind = Kind::kArray;
        ok = read_array(value, depth);
        break;
      case '"':
        value.kind = Kind::kString;
        ok = read_string(value.string);
        break;
      case 't':
        value.kind = Kind::kBoolean;
        ok = consume_word("true");
        break;
      case 'f':
        value.kind = Kind::kBoolean;
        ok = consume_word("false");
        break;
      case 'n':
        value.kind = Kind::kNull;
        ok = consume_word("null");
        break;
      default:
        value.kind = Kind::kNumber;
        ok = read_number();
        break;
    }
    value.source = text_.substr(begin, at_ - begin);
    return ok;
  }

  bool read_object(JsonValue& object, std::size_t depth) {
    ++at_;  // '{'
    skip_whitespace();
    if (consume('}')) {
      return true;
    }
    while (true) {
      auto& member = object.members.emplace_back();
      if (at_end() || peek() != '"' || !read_string(member.key)) {
        return false;
      }
      skip_whitespace();
      if (!consume(':')) {
        return false;
      }
      skip_whitespace();
      if (!read_value(member.value, depth + 1)) {
        return false;
      }
      skip_whitespace();
      if (consume('}')) {
        return true;
      }
      if (!consume(',')) {
        return false;
      }
      skip_whitespace();
    }
  }

  bool read_array(JsonValue& array, std::size_t depth) {
    ++at_;  // '['
    skip_whitespace();
    if (consume(']')) {
      return true;
    }
    while (true) {
      if (!read_value(array.elements.emplace_back(), depth + 1)) {
        return false;
      }
      skip_whitespace();
      if (consume(']')) {
        return true;
      }
      if (!consume(',')) {
        return false;
      }
      skip_whitespace();
    }
  }

  bool read_digits() {
    const std::size_t begin = at_;
    while (!at_end() && is_digit(peek())) {
      ++at_;
    }
    return at_ > begin;
  }

  bool read_number() {
    consume('-');
    if (!consume('0')) {
      if (at_end() || peek() < '1' || peek() > '9') {
        return false;
      }
      read_digits();
    }
    if (consume('.') && !read_digits()) {
      return false;
    }
    if (consume('e') || consume('E')) {
      if (!consume('+')) {
        consume('-');
      }
      return read_digits();
    }
    return true;
  }

  bool read_hex4(std::uint32_t& unit) {
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) {
        return false;
      }
      const char c = text_[at_++];
      std::uint32_t digit = 0;
      if (is_digit(c)) {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      unit = unit * 16 + digit;
    }
    return true;
  }

  bool read_escape(std::string& out) {
    if (at_end()) {
      return false;
    }
    switch (text_[at_++]) {
      case '"':
        out += '"';
        return true;
      case '\\':
        out += '\\';
        return true;
      case '/':
        out += '/';
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    std::uint32_t unit = 0;
    if (!read_hex4(unit) || (unit >= 0xDC00 && unit <= 0xDFFF)) {
      return false;  // a low surrogate without a high one before it
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      std::uint32_t low = 0;
      if (!consume_word("\\u") || !read_hex4(low) || low < 0xDC00 || low > 0xDFFF) {
        return false;  // a high surrogate without a low one after it
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, unit);
    return true;
  }

  // The UTF-8 of the whole text has been validated before reading.
  bool read_string(std::string& out) {
    ++at_;  // '"'
    while (!at_end()) {
      const char c = text_[at_++];
      if (c == '"') {
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
      if (c == '\\') {
        if (!read_escape(out)) {
          return false;
        }
      } else {
        out += c;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
  bool too_deep_ = false;
};

}  // namespace

bool is_json_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_valid_utf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
      return false;
    }
    at += length;
  }
  return true;
}

JsonReading read_json(std::string_view text) {
  JsonReading reading;
  reading.valid_utf8 = is_valid_utf8(text);
  if (reading.valid_utf8) {
    reading.verdict = Reader(text).read_document(reading.root);
  }
  return reading;
}

std::string minify(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  bool escaped = false;
  for (const char c : json) {
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (!is_json_whitespace(c)) {
      out += c;
      in_string = c == '"';
    }
  }
  return out;
}

std::size_t container_depth(const JsonValue& value) {
  std::size_t inner = 0;
  switch (value.kind) {
    case Kind::kObject:
      for (const auto& member : value.members) {
        inner = std::max(inner, container_depth(member.value));
      }
      return inner + 1;
    case Kind::kArray:
      for (const auto& element : value.elements) {
        inner = std::max(inner, container_depth(element));
      }
      return inner + 1;
    default:
      return 0;
  }
}

}  // namespace eventsink::fuzz
