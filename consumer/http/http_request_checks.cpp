#include "consumer/http/http_request_checks.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace eventsink {
namespace {

constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::ranges::equal(
      a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// The charset parameter's value is acceptable (absent parameters are checked by the caller).
bool is_utf8_charset(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return equals_ignoring_case(value, "utf-8") || equals_ignoring_case(value, "utf8");
}

}  // namespace

bool is_json_content_type(std::string_view header_value) {
  auto separator = header_value.find(';');
  if (!equals_ignoring_case(trim(header_value.substr(0, separator)), "application/json")) {
    return false;
  }
  while (separator != std::string_view::npos) {
    header_value.remove_prefix(separator + 1);
    separator = header_value.find(';');
    const auto parameter = trim(header_value.substr(0, separator));
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) {
      continue;  // "application/json;" or a bare token: nothing to judge
    }
    if (equals_ignoring_case(trim(parameter.substr(0, equals)), "charset") &&
        !is_utf8_charset(trim(parameter.substr(equals + 1)))) {
      return false;
    }
  }
  return true;
}

bool bearer_token_matches(std::string_view authorization_header, std::string_view expected_token) {
  constexpr std::string_view kScheme = "bearer ";
  const auto header = trim(authorization_header);
  if (expected_token.empty() || header.size() < kScheme.size() ||
      !equals_ignoring_case(header.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  const auto token = trim(header.substr(kScheme.size()));
  // Constant time in the expected token's length: every byte of it is compared, whatever the
  // given token holds; a length difference is folded into the same accumulator.
  unsigned difference = token.size() == expected_token.size() ? 0u : 1u;
  for (std::size_t i = 0; i < expected_token.size(); ++i) {
    const unsigned char given = i < token.size() ? static_cast<unsigned char>(token[i]) : 0;
    difference |= given ^ static_cast<unsigned char>(expected_token[i]);
  }
  return difference == 0;
}

}  // namespace eventsink
