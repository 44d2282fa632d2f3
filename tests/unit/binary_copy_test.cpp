// Unit tests of the binary COPY encoding (consumer/binary_copy.hpp). That PostgreSQL reads these
// bytes back as the same values is the integration tests' part (every sink test stages with them).
#include "consumer/binary_copy.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace eventsink::binary_copy {
namespace {

using namespace std::chrono;
using namespace std::string_literals;

std::string encoded(auto append) {
  std::string out;
  append(out);
  return out;
}

TEST(BinaryCopy, TheHeaderIsTheSignatureWithNoFlagsAndNoExtension) {
  EXPECT_EQ(encoded([](std::string& out) { append_header(out); }),
            "PGCOPY\n\xff\r\n\0"s + "\0\0\0\0"s + "\0\0\0\0"s);
}

TEST(BinaryCopy, TheTrailerIsAFieldCountOfMinusOne) {
  EXPECT_EQ(encoded([](std::string& out) { append_trailer(out); }), "\xff\xff"s);
}

TEST(BinaryCopy, ARowStartsWithItsFieldCountBigEndian) {
  EXPECT_EQ(encoded([](std::string& out) { append_row_start(out, 9); }), "\0\x09"s);
  EXPECT_EQ(encoded([](std::string& out) { append_row_start(out, 0x0102); }), "\x01\x02"s);
}

TEST(BinaryCopy, IntegersAreTheirLengthThenTheirBytesBigEndian) {
  EXPECT_EQ(encoded([](std::string& out) { append_int4(out, 0x01020304); }),
            "\0\0\0\x04"s + "\x01\x02\x03\x04"s);
  EXPECT_EQ(encoded([](std::string& out) { append_int4(out, -2); }),
            "\0\0\0\x04"s + "\xff\xff\xff\xfe"s);
  EXPECT_EQ(encoded([](std::string& out) { append_int8(out, 0x0102030405060708); }),
            "\0\0\0\x08"s + "\x01\x02\x03\x04\x05\x06\x07\x08"s);
  EXPECT_EQ(encoded([](std::string& out) { append_int8(out, -1); }),
            "\0\0\0\x08"s + std::string(8, '\xff'));
}

TEST(BinaryCopy, BooleansAreOneByteZeroOrOne) {
  EXPECT_EQ(encoded([](std::string& out) { append_bool(out, true); }), "\0\0\0\x01\x01"s);
  EXPECT_EQ(encoded([](std::string& out) { append_bool(out, false); }), "\0\0\0\x01\0"s);
}

TEST(BinaryCopy, TextIsItsByteLengthThenItsBytesUnescaped) {
  EXPECT_EQ(encoded([](std::string& out) { append_text(out, "a\tb\\\n\xc3\xa9"); }),
            "\0\0\0\x07"s + "a\tb\\\n\xc3\xa9"s);
  EXPECT_EQ(encoded([](std::string& out) { append_text(out, ""); }), "\0\0\0\0"s);
}

TEST(BinaryCopy, JsonbIsVersionOneThenTheJsonText) {
  EXPECT_EQ(encoded([](std::string& out) { append_jsonb(out, R"({"a":1})"); }),
            "\0\0\0\x08"s + "\x01"s + R"({"a":1})");
}

TEST(BinaryCopy, TimestampsAreMicrosecondsSincePostgresEpoch) {
  const auto at = [](sys_days day, microseconds time) {
    return encoded([&](std::string& out) { append_timestamptz(out, EventTime{day + time}); });
  };
  const auto kLength = "\0\0\0\x08"s;
  EXPECT_EQ(at(2000y / 1 / 1, 0us), kLength + std::string(8, '\0'));
  EXPECT_EQ(at(2000y / 1 / 1, 1us), kLength + "\0\0\0\0\0\0\0\x01"s);
  EXPECT_EQ(at(1999y / 12 / 31, 24h - 1us), kLength + std::string(8, '\xff'));
  // The Unix epoch is 10,957 days (30 years, 7 of them leap years) before PostgreSQL's.
  const auto unix_epoch = -static_cast<std::int64_t>(10957) * 86'400'000'000;
  std::string expected = kLength;
  for (int shift = 56; shift >= 0; shift -= 8) {
    expected += static_cast<char>(static_cast<std::uint64_t>(unix_epoch) >> shift);
  }
  EXPECT_EQ(at(1970y / 1 / 1, 0us), expected);
}

}  // namespace
}  // namespace eventsink::binary_copy
