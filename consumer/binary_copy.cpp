#include "consumer/binary_copy.hpp"

#include <array>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace eventsink::binary_copy {
namespace {

// 2000-01-01T00:00:00Z, PostgreSQL's epoch, on the clock of EventTime (the Unix epoch).
constexpr auto kPostgresEpoch = std::chrono::sys_days{std::chrono::year{2000} / 1 / 1};

// (Shifts rather than std::byteswap, which is C++23; the compiler makes one bswap of them.)
template <typename Integer>
void append_big_endian(std::string& out, Integer value) {
  const auto bits = static_cast<std::make_unsigned_t<Integer>>(value);
  std::array<char, sizeof bits> bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(bits >> (8 * (bytes.size() - 1 - i)));
  }
  out.append(bytes.data(), bytes.size());
}

void append_length(std::string& out, std::size_t length) {
  if (length > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::length_error("a COPY field cannot exceed 2 GiB");
  }
  append_big_endian(out, static_cast<std::int32_t>(length));
}

}  // namespace

void append_header(std::string& out) {
  constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
  out.append(kSignature);
  append_big_endian(out, std::int32_t{0});  // flags
  append_big_endian(out, std::int32_t{0});  // header extension length
}

void append_trailer(std::string& out) {
  append_big_endian(out, std::int16_t{-1});
}

void append_row_start(std::string& out, std::int16_t fields) {
  append_big_endian(out, fields);
}

void append_text(std::string& out, std::string_view text) {
  append_length(out, text.size());
  out.append(text);
}

void append_jsonb(std::string& out, std::string_view json) {
  constexpr char kJsonbVersion = 1;
  append_length(out, json.size() + 1);
  out += kJsonbVersion;
  out.append(json);
}

void append_int4(std::string& out, std::int32_t value) {
  append_length(out, sizeof value);
  append_big_endian(out, value);
}

void append_int8(std::string& out, std::int64_t value) {
  append_length(out, sizeof value);
  append_big_endian(out, value);
}

void append_bool(std::string& out, bool value) {
  append_length(out, 1);
  out += value ? '\1' : '\0';
}

void append_timestamptz(std::string& out, EventTime time) {
  append_int8(out, (time - kPostgresEpoch).count());
}

}  // namespace eventsink::binary_copy
