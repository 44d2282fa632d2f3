#include "common/timestamp.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>
#include <simdjson.h>

namespace eventsink {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kShapeHint = "expected ISO-8601 like 2024-05-01T12:00:00Z";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads text[pos .. pos+count) as decimal digits; the caller has checked they are digits.
int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    value = value * 10 + (text[pos + i] - '0');
  }
  return value;
}

// "02", "13", "0000": a field as the user wrote it.
std::string two_digits(int value) {
  std::string out(2, '0');
  out[0] = static_cast<char>('0' + value / 10 % 10);
  out[1] = static_cast<char>('0' + value % 10);
  return out;
}

std::string four_digits(int value) {
  std::string out(4, '0');
  for (int i = 3; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

std::string shape_error(std::string_view text, std::string_view why) {
  std::string message(kShapeHint);
  message += ", got ";
  message += detail::quote_for_message(text, 40);
  if (!why.empty()) {
    message += " (";
    message += why;
    message += ')';
  }
  return message;
}

std::string out_of_range(std::string_view what, const std::string& value, std::string_view range) {
  std::string message(what);
  message += ' ';
  message += value;
  message += " out of range (";
  message += range;
  message += ')';
  return message;
}

// Positions in "YYYY-MM-DDTHH:MM:SS".
constexpr std::array<std::size_t, 14> kDigitPositions = {0, 1,  2,  3,  5,  6,  8,
                                                         9, 11, 12, 14, 15, 17, 18};
constexpr std::size_t kBaseLength = 19;

// Howard Hinnant's days_from_civil inverse, in 64-bit arithmetic so that every value of
// EventTime (about +-292,000 years) formats without overflow; date::year is only 16 bits.
struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);                    // [0, 146096]
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);   // [0, 365]
  const std::uint64_t mp = (5 * doy + 2) / 153;                        // [0, 11]
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);  // [1, 31]
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);     // [1, 12]
  return Civil{m <= 2 ? y + 1 : y, m, d};
}

void append_padded(std::string& out, std::uint64_t value, int width) {
  char buffer[24];
  int length = 0;
  do {
    buffer[length++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  for (int i = length; i < width; ++i) {
    out += '0';
  }
  while (length > 0) {
    out += buffer[--length];
  }
}

}  // namespace

TimestampResult parse_timestamp(std::string_view text) {
  // 1. Shape: fixed-width date and time, then an optional fraction and zone. Nothing here
  //    judges values; it only guarantees that what follows reads digits where it expects them.
  if (text.size() < kBaseLength) {
    return shape_error(text, text.empty() ? "empty" : "too short");
  }
  for (std::size_t pos : kDigitPositions) {
    if (!is_digit(text[pos])) {
      return shape_error(text, "expected a digit at offset " + std::to_string(pos));
    }
  }
  if (text[4] != '-' || text[7] != '-') {
    return shape_error(text, "date must be YYYY-MM-DD");
  }
  if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') {
    return shape_error(text, "date and time must be separated by 'T' or a space");
  }
  if (text[13] != ':' || text[16] != ':') {
    return shape_error(text, "time must be HH:MM:SS");
  }

  std::size_t pos = kBaseLength;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < text.size() && is_digit(text[pos])) {
      ++pos;
    }
    const std::size_t count = pos - first;
    if (count == 0) {
      return shape_error(text, "a '.' must be followed by 1 to 9 digits");
    }
    if (count > 9) {
      return shape_error(text, "fraction has more than 9 digits");
    }
    // Truncate to microseconds: the first six digits, padded with zeros on the right.
    for (std::size_t i = 0; i < 6; ++i) {
      micros = micros * 10 + (i < count ? text[first + i] - '0' : 0);
    }
  }

  int offset_minutes = 0;  // local time minus UTC
  if (pos < text.size()) {
    const char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      const std::string_view rest = text.substr(pos + 1);
      int offset_hour = 0;
      int offset_minute = 0;
      if (rest.size() == 5 && is_digit(rest[0]) && is_digit(rest[1]) && rest[2] == ':' &&
          is_digit(rest[3]) && is_digit(rest[4])) {
        offset_hour = digits_at(rest, 0, 2);
        offset_minute = digits_at(rest, 3, 2);
      } else if (rest.size() == 4 && is_digit(rest[0]) && is_digit(rest[1]) && is_digit(rest[2]) &&
                 is_digit(rest[3])) {
        offset_hour = digits_at(rest, 0, 2);
        offset_minute = digits_at(rest, 2, 2);
      } else {
        return shape_error(text, "zone offset must be +HH:MM or +HHMM, at the end");
      }
      if (offset_hour > 23) {
        return out_of_range("zone offset hour", two_digits(offset_hour), "00..23");
      }
      if (offset_minute > 59) {
        return out_of_range("zone offset minute", two_digits(offset_minute), "00..59");
      }
      offset_minutes = (offset_hour * 60 + offset_minute) * (zone == '-' ? -1 : 1);
      pos = text.size();
    } else {
      return shape_error(text, "unexpected character after the seconds");
    }
  }
  if (pos != text.size()) {
    return shape_error(text, "unexpected characters after the zone designator");
  }

  // 2. Values.
  const int year = digits_at(text, 0, 4);
  const int month = digits_at(text, 5, 2);
  const int day = digits_at(text, 8, 2);
  const int hour = digits_at(text, 11, 2);
  const int minute = digits_at(text, 14, 2);
  const int second = digits_at(text, 17, 2);
  if (year < 1) {
    return out_of_range("year", four_digits(year), "0001..9999");
  }
  if (month < 1 || month > 12) {
    return out_of_range("month", two_digits(month), "01..12");
  }
  if (day < 1 || day > 31) {
    return out_of_range("day", two_digits(day), "01..31");
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return "no such date " + four_digits(year) + '-' + two_digits(month) + '-' + two_digits(day);
  }
  if (hour > 23) {
    return out_of_range("hour", two_digits(hour), "00..23");
  }
  if (minute > 59) {
    return out_of_range("minute", two_digits(minute), "00..59");
  }
  if (second == 60) {
    return std::string("leap second 60 is not supported (seconds must be 00..59)");
  }
  if (second > 59) {
    return out_of_range("second", two_digits(second), "00..59");
  }

  // 3. To UTC, which must still be within years 0001..9999.
  const date::sys_days day_point{ymd};
  const EventTime result = EventTime{day_point.time_since_epoch()} + hours{hour} + minutes{minute} +
                           seconds{second} + microseconds{micros} - minutes{offset_minutes};
  constexpr EventTime kMin{date::sys_days{date::year{1} / 1 / 1}.time_since_epoch()};
  constexpr EventTime kEnd{date::sys_days{date::year{10000} / 1 / 1}.time_since_epoch()};
  if (result < kMin || result >= kEnd) {
    return std::string("out of range once converted to UTC (years 0001..9999)");
  }
  return result;
}

std::string format_timestamp(EventTime time) {
  const auto since_epoch = time.time_since_epoch().count();  // microseconds, int64
  constexpr std::int64_t kPerDay = std::int64_t{86'400'000'000};
  std::int64_t day_count = since_epoch / kPerDay;
  std::int64_t in_day = since_epoch % kPerDay;
  if (in_day < 0) {  // floor, not truncation, for instants before 1970
    in_day += kPerDay;
    day_count -= 1;
  }
  const Civil civil = civil_from_days(day_count);
  const auto us = static_cast<std::uint64_t>(in_day);

  std::string out;
  out.reserve(32);
  if (civil.year < 0) {
    out += '-';
    append_padded(out, static_cast<std::uint64_t>(-civil.year), 4);
  } else {
    append_padded(out, static_cast<std::uint64_t>(civil.year), 4);
  }
  out += '-';
  append_padded(out, civil.month, 2);
  out += '-';
  append_padded(out, civil.day, 2);
  out += 'T';
  append_padded(out, us / 3'600'000'000, 2);
  out += ':';
  append_padded(out, us / 60'000'000 % 60, 2);
  out += ':';
  append_padded(out, us / 1'000'000 % 60, 2);
  out += '.';
  append_padded(out, us % 1'000'000, 6);
  out += 'Z';
  return out;
}

namespace detail {

std::string quote_for_message(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 8);
  out += '"';
  std::size_t i = 0;
  while (i < text.size() && i < max_bytes) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"' || byte == '\\') {
      out += '\\';
      out += static_cast<char>(byte);
      ++i;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
      ++i;
    } else if (byte < 0x80) {
      out += static_cast<char>(byte);
      ++i;
    } else {
      const std::size_t length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      // A sequence that would cross max_bytes is cut before it rather than split.
      if (i + length > max_bytes && i + length <= text.size()) {
        break;
      }
      if (length > 1 && i + length <= text.size() &&
          simdjson::validate_utf8(text.data() + i, length)) {
        out.append(text.data() + i, length);
        i += length;
      } else {
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
        ++i;
      }
    }
  }
  out += '"';
  if (i < text.size()) {
    out += "...";
  }
  return out;
}

}  // namespace detail
}  // namespace eventsink
