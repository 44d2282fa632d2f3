// Unit tests of parse_timestamp, format_timestamp and detail::quote_for_message.
#include "common/timestamp.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <variant>

#include <date/date.h>
#include <gtest/gtest.h>
#include <simdjson.h>

namespace eventsink {
namespace {

using std::chrono::microseconds;

EventTime at(date::sys_days day, std::int64_t micros_in_day = 0) {
  return EventTime{day.time_since_epoch()} + microseconds{micros_in_day};
}

constexpr std::int64_t kHour = 3'600'000'000;
constexpr std::int64_t kMinute = 60'000'000;
constexpr std::int64_t kSecond = 1'000'000;

// ---------------------------------------------------------------- accepted

struct Good {
  std::string_view text;
  EventTime expected;
};

TEST(ParseTimestamp, AcceptsTheDocumentedGrammar) {
  using namespace date::literals;
  const EventTime noon = at(2024_y / 5 / 1, 12 * kHour);
  const Good cases[] = {
      {"2024-05-01T12:00:00Z", noon},
      {"2024-05-01t12:00:00z", noon},
      {"2024-05-01 12:00:00Z", noon},
      {"2024-05-01T12:00:00", noon},  // no zone: UTC (project decision)
      {"2024-05-01T12:00:00+00:00", noon},
      {"2024-05-01T12:00:00-00:00", noon},
      {"2024-05-01T12:00:00+0000", noon},
      {"2024-05-01T14:00:00+02:00", noon},
      {"2024-05-01T14:00:00+0200", noon},
      {"2024-05-01T06:30:00-05:30", noon},
      {"2024-05-02T11:59:00+23:59", noon},
      {"2024-04-30T12:01:00-23:59", noon},
      {"2024-05-01T12:00:00.5Z", noon + microseconds{500'000}},
      {"2024-05-01T12:00:00.000001Z", noon + microseconds{1}},
      {"2024-05-01T12:00:00.123456789Z", noon + microseconds{123'456}},  // truncated
      {"2024-05-01T12:00:00.9999999Z", noon + microseconds{999'999}},    // not rounded up
      {"2024-05-01T12:00:00.25+02:00", noon - microseconds{2 * kHour} + microseconds{250'000}},
      {"2024-05-01T12:00:00.25", noon + microseconds{250'000}},
      {"2024-03-01T01:00:00+02:00", at(2024_y / 2 / 29, 23 * kHour)},  // back over a leap day
      {"2024-02-29T00:00:00Z", at(2024_y / 2 / 29)},
      {"2000-02-29T00:00:00Z", at(2000_y / 2 / 29)},
      {"2023-12-31T23:59:59Z", at(2023_y / 12 / 31, 24 * kHour - kSecond)},
      {"2023-12-31T23:00:00-01:00", at(2024_y / 1 / 1)},
      {"1970-01-01T00:00:00Z", EventTime{}},
      {"1969-12-31T23:59:59.999999Z", EventTime{} - microseconds{1}},
      {"0001-01-01T00:00:00Z", at(date::year{1} / 1 / 1)},
      {"0001-01-01T00:00:00-01:00", at(date::year{1} / 1 / 1, kHour)},
      {"9999-12-31T23:59:59.999999Z", at(9999_y / 12 / 31, 24 * kHour - 1)},
      {"9999-12-31T23:59:59.999999999Z", at(9999_y / 12 / 31, 24 * kHour - 1)},
      {"9999-12-31T23:59:59+00:01", at(9999_y / 12 / 31, 24 * kHour - kMinute - kSecond)},
  };
  for (const Good& c : cases) {
    SCOPED_TRACE(std::string(c.text));
    const TimestampResult result = parse_timestamp(c.text);
    ASSERT_TRUE(std::holds_alternative<EventTime>(result)) << std::get<std::string>(result);
    EXPECT_EQ(format_timestamp(std::get<EventTime>(result)), format_timestamp(c.expected));
    EXPECT_EQ(std::get<EventTime>(result), c.expected);
  }
}

TEST(ParseTimestamp, KnownEpochValue) {
  const TimestampResult result = parse_timestamp("2024-05-01T12:00:00Z");
  ASSERT_TRUE(std::holds_alternative<EventTime>(result));
  EXPECT_EQ(std::get<EventTime>(result).time_since_epoch().count(), 1714564800LL * 1'000'000);
}

// ---------------------------------------------------------------- refused

struct Bad {
  std::string_view text;
  std::string_view reason_contains;
};

TEST(ParseTimestamp, RefusesWithAPreciseReason) {
  using namespace std::string_view_literals;
  const Bad cases[] = {
      {"", "expected ISO-8601 like 2024-05-01T12:00:00Z"},
      {"yesterday", "expected ISO-8601 like 2024-05-01T12:00:00Z"},
      {"1714564800", "expected ISO-8601"},
      {"2024-05-01", "too short"},
      {"2024-05-01T12:00Z", "too short"},                   // missing seconds
      {"2024-05-01T12:00+02:00", "time must be HH:MM:SS"},  // missing seconds
      {"2024/05/01T12:00:00Z", "date must be YYYY-MM-DD"},
      {"2024-5-01T12:00:00Z", "expected a digit"},
      {"20240501T120000Z", "expected"},  // basic format is not accepted
      {"2024-05-01_12:00:00Z", "separated by 'T' or a space"},
      {"2024-05-01  12:00:00Z", "expected a digit"},
      {"2024-05-01T12.00.00Z", "time must be HH:MM:SS"},
      {" 2024-05-01T12:00:00Z", "expected a digit at offset 0"},
      {"2024-05-01T12:00:00Z ", "unexpected characters after the zone designator"},
      {"2024-05-01T12:00:00Zjunk", "unexpected characters after the zone designator"},
      {"2024-05-01T12:00:00 UTC", "unexpected character after the seconds"},
      {"2024-05-01T12:00:00.", "1 to 9 digits"},
      {"2024-05-01T12:00:00.Z", "1 to 9 digits"},
      {"2024-05-01T12:00:00,5Z", "unexpected character after the seconds"},
      {"2024-05-01T12:00:00.1234567890Z", "more than 9 digits"},
      {"2024-05-01T12:00:00+02", "+HH:MM or +HHMM"},
      {"2024-05-01T12:00:00+2:00", "+HH:MM or +HHMM"},
      {"2024-05-01T12:00:00+02:00Z", "+HH:MM or +HHMM"},
      {"2024-05-01T12:00:00+02:00:00", "+HH:MM or +HHMM"},
      {"2024-05-01T12:00:00+24:00", "zone offset hour 24 out of range (00..23)"},
      {"2024-05-01T12:00:00-9900", "zone offset hour 99 out of range"},
      {"2024-05-01T12:00:00+05:60", "zone offset minute 60 out of range (00..59)"},
      {"0000-01-01T00:00:00Z", "year 0000 out of range (0001..9999)"},
      {"2024-13-01T00:00:00Z", "month 13 out of range (01..12)"},
      {"2024-00-01T00:00:00Z", "month 00 out of range"},
      {"2024-05-32T00:00:00Z", "day 32 out of range (01..31)"},
      {"2024-05-00T00:00:00Z", "day 00 out of range"},
      {"2023-02-29T00:00:00Z", "no such date 2023-02-29"},
      {"1900-02-29T00:00:00Z", "no such date 1900-02-29"},
      {"2024-04-31T00:00:00Z", "no such date 2024-04-31"},
      {"2024-05-01T24:00:00Z", "hour 24 out of range (00..23)"},
      {"2024-05-01T12:60:00Z", "minute 60 out of range (00..59)"},
      {"2024-12-31T23:59:60Z", "leap second 60 is not supported"},
      {"2024-05-01T12:00:61Z", "second 61 out of range (00..59)"},
      {"0001-01-01T00:00:00+00:01", "out of range once converted to UTC"},
      {"9999-12-31T23:59:59-00:01", "out of range once converted to UTC"},
      {"2024-05-01T12:00:00\0Z"sv, "unexpected character after the seconds"},
      {"２０２４-05-01T12:00:00Z", "expected a digit at offset 0"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(detail::quote_for_message(c.text));
    const TimestampResult result = parse_timestamp(c.text);
    ASSERT_TRUE(std::holds_alternative<std::string>(result))
        << format_timestamp(std::get<EventTime>(result));
    const std::string& reason = std::get<std::string>(result);
    EXPECT_NE(reason.find(c.reason_contains), std::string::npos) << reason;
    EXPECT_EQ(reason.find("timestamp:"), std::string::npos) << "caller adds the field name";
    EXPECT_TRUE(simdjson::validate_utf8(reason)) << reason;
    EXPECT_EQ(reason.find('\0'), std::string::npos);
  }
}

TEST(ParseTimestamp, ShapeErrorQuotesTheInputSafely) {
  const std::string reason = std::get<std::string>(parse_timestamp("2024-05-01\nT12:00:00\"Z"));
  EXPECT_NE(reason.find(R"(got "2024-05-01\u000aT12:00:00\"Z")"), std::string::npos) << reason;

  const std::string long_input(10'000, '9');
  const std::string long_reason = std::get<std::string>(parse_timestamp(long_input));
  EXPECT_LT(long_reason.size(), 200u) << "the reason does not echo the whole input";
  EXPECT_NE(long_reason.find("..."), std::string::npos);
}

TEST(ParseTimestamp, EveryTwoDigitValueOfEachField) {
  // Month, day, hour, minute and second from 00 to 99: exactly the documented ranges pass.
  int accepted = 0;
  for (int v = 0; v <= 99; ++v) {
    const std::string vv = {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
    const bool month_ok =
        std::holds_alternative<EventTime>(parse_timestamp("2024-" + vv + "-01T00:00:00Z"));
    const bool day_ok =
        std::holds_alternative<EventTime>(parse_timestamp("2024-01-" + vv + "T00:00:00Z"));
    const bool hour_ok =
        std::holds_alternative<EventTime>(parse_timestamp("2024-01-01T" + vv + ":00:00Z"));
    const bool minute_ok =
        std::holds_alternative<EventTime>(parse_timestamp("2024-01-01T00:" + vv + ":00Z"));
    const bool second_ok =
        std::holds_alternative<EventTime>(parse_timestamp("2024-01-01T00:00:" + vv + "Z"));
    EXPECT_EQ(month_ok, v >= 1 && v <= 12) << vv;
    EXPECT_EQ(day_ok, v >= 1 && v <= 31) << vv;
    EXPECT_EQ(hour_ok, v <= 23) << vv;
    EXPECT_EQ(minute_ok, v <= 59) << vv;
    EXPECT_EQ(second_ok, v <= 59) << vv;
    accepted += month_ok + day_ok + hour_ok + minute_ok + second_ok;
  }
  EXPECT_EQ(accepted, 12 + 31 + 24 + 60 + 60);
}

TEST(ParseTimestamp, CalendarMatchesTheDateLibraryForEveryDayOf400Years) {
  // Every (month, day) pair of years 2000..2399 (one full Gregorian cycle), including invalid
  // days 29..31, against date::year_month_day::ok() and date's day count.
  for (int year = 2000; year < 2400; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day = 28; day <= 31; ++day) {
        char text[32];
        std::snprintf(text, sizeof text, "%04d-%02u-%02uT00:00:00Z", year, month, day);
        const date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
        const TimestampResult result = parse_timestamp(text);
        ASSERT_EQ(std::holds_alternative<EventTime>(result), ymd.ok()) << text;
        if (ymd.ok()) {
          ASSERT_EQ(std::get<EventTime>(result), at(date::sys_days{ymd})) << text;
        }
      }
    }
  }
}

// ---------------------------------------------------------------- format_timestamp

TEST(FormatTimestamp, AlwaysSixFractionDigitsAndZ) {
  using namespace date::literals;
  EXPECT_EQ(format_timestamp(EventTime{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_timestamp(at(2024_y / 5 / 1, 12 * kHour + 250'000)),
            "2024-05-01T12:00:00.250000Z");
  EXPECT_EQ(format_timestamp(EventTime{} - microseconds{1}), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(at(date::year{1} / 1 / 1)), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_timestamp(at(9999_y / 12 / 31, 24 * kHour - 1)), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_timestamp(at(2024_y / 2 / 29, 23 * kHour + 59 * kMinute + 7 * kSecond + 42)),
            "2024-02-29T23:59:07.000042Z");
}

TEST(FormatTimestamp, ExtremeValuesDoNotCrash) {
  // Not produced by the parser, but format_timestamp must cope with any EventTime.
  const std::string max_text = format_timestamp(EventTime::max());
  const std::string min_text = format_timestamp(EventTime::min());
  EXPECT_EQ(max_text, "294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(min_text, "-290308-12-21T19:59:05.224192Z");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_timestamp(max_text)));
}

TEST(FormatTimestamp, AgreesWithTheDateLibraryAndRoundTrips) {
  std::mt19937_64 random(20240501);
  const std::int64_t lo = at(date::year{1} / 1 / 1).time_since_epoch().count();
  const std::int64_t hi = at(date::year{10000} / 1 / 1).time_since_epoch().count() - 1;
  std::uniform_int_distribution<std::int64_t> pick(lo, hi);
  for (int i = 0; i < 20'000; ++i) {
    const EventTime time{microseconds{pick(random)}};
    const std::string text = format_timestamp(time);
    ASSERT_EQ(text, date::format("%Y-%m-%dT%H:%M:%SZ", time)) << "independent formatter";
    const TimestampResult back = parse_timestamp(text);
    ASSERT_TRUE(std::holds_alternative<EventTime>(back)) << text;
    ASSERT_EQ(std::get<EventTime>(back), time) << text;
  }
}

// ---------------------------------------------------------------- quote_for_message

TEST(QuoteForMessage, EscapesAndCuts) {
  using namespace std::string_view_literals;
  EXPECT_EQ(detail::quote_for_message("abc"), R"("abc")");
  EXPECT_EQ(detail::quote_for_message("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(detail::quote_for_message("a\0b\x1f\x7f"sv), R"("a\u0000b\u001f\u007f")");
  EXPECT_EQ(detail::quote_for_message("\xff\xc3"), R"("\xff\xc3")");
  EXPECT_EQ(detail::quote_for_message("\xed\xa0\x80"), R"("\xed\xa0\x80")");  // surrogate
  EXPECT_EQ(detail::quote_for_message("é€😀"), "\"é€😀\"");
  EXPECT_EQ(detail::quote_for_message("abcdef", 3), R"("abc"...)");
  // A multibyte character that would cross the limit is left out, not split.
  EXPECT_EQ(detail::quote_for_message("ab€", 3), R"("ab"...)");
  EXPECT_EQ(detail::quote_for_message("", 3), R"("")");
}

TEST(QuoteForMessage, OutputIsAlwaysCleanUtf8) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<std::size_t> limit(0, 50);
  for (int i = 0; i < 20'000; ++i) {
    std::string input(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : input) {
      c = static_cast<char>(byte(random));
    }
    const std::string quoted = detail::quote_for_message(input, limit(random));
    ASSERT_TRUE(simdjson::validate_utf8(quoted)) << quoted;
    for (char c : quoted) {
      const auto b = static_cast<unsigned char>(c);
      ASSERT_FALSE(b < 0x20 || b == 0x7f) << quoted;
    }
  }
}

}  // namespace
}  // namespace eventsink
