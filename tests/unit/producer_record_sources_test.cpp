// Where the producer's records come from: generated events and replayed JSON lines.
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "producer/record_sources.hpp"

namespace eventsink {
namespace {

const std::string kValid =
    R"({"topic":"order.created","event_id":"e-1","timestamp":"2024-05-01T12:00:00Z",)"
    R"("source":"web","payload":{"amount":12.5}})";
const std::string kValidOtherPayload =
    R"({"topic":"order.created","event_id":"e-1","timestamp":"2024-05-01T12:00:09Z",)"
    R"("source":"web","payload":{"amount":99}})";
const std::string kValidSecond =
    R"({ "topic" : "user.login", "event_id":"e-1", "timestamp":"2024-05-01T12:00:00Z",)"
    R"( "source":"ios", "payload":{} })";

std::vector<OutgoingRecord> drain(RecordSource& source) {
  std::vector<OutgoingRecord> records;
  while (auto record = source.next()) {
    records.push_back(std::move(*record));
  }
  return records;
}

TEST(ProducerReplayedLines, SendsEveryLineAsItIsKeyedByIdentity) {
  std::istringstream input(kValid + "\n" + kValidSecond + "\r\n" + kValidOtherPayload);
  ReplayedLines lines(input, /*skip_invalid=*/false);
  const auto records = drain(lines);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, kValid);
  EXPECT_EQ(records[0].key, "order.created/e-1");
  EXPECT_EQ(records[0].topic, "order.created");
  EXPECT_EQ(records[0].event_id, "e-1");
  EXPECT_FALSE(records[0].duplicate);
  EXPECT_EQ(records[1].value, kValidSecond + "\r") << "not re-serialized, not trimmed";
  EXPECT_EQ(records[1].key, "user.login/e-1");
  EXPECT_FALSE(records[1].duplicate) << "same id under another topic is another event";
  EXPECT_EQ(records[2].value, kValidOtherPayload) << "a last line without newline counts";
  EXPECT_TRUE(records[2].duplicate) << "same identity, other timestamp and payload";
  EXPECT_EQ(lines.lines_read(), 3u);
  EXPECT_FALSE(lines.expected_total());
}

TEST(ProducerReplayedLines, InvalidLinesAreSentWithoutKeyUnlessSkipped) {
  const std::string text = kValid + "\nnot json\n\n{\"topic\":\"t\"}\n" + kValid + "\n";
  {
    std::istringstream input(text);
    ReplayedLines lines(input, /*skip_invalid=*/false);
    const auto records = drain(lines);
    ASSERT_EQ(records.size(), 4u) << "the empty line is skipped, as kcat -l does";
    EXPECT_TRUE(records[1].invalid());
    EXPECT_EQ(records[1].value, "not json");
    EXPECT_EQ(records[1].key, "") << "no key: sent as a null key";
    EXPECT_TRUE(records[2].invalid());
    EXPECT_TRUE(records[3].duplicate);
    EXPECT_EQ(lines.invalid_lines(), 2u);
    EXPECT_EQ(lines.empty_lines(), 1u);
    EXPECT_EQ(lines.skipped_summary(), "lines=5 empty_lines_skipped=1");
  }
  {
    std::istringstream input(text);
    ReplayedLines lines(input, /*skip_invalid=*/true);
    const auto records = drain(lines);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_FALSE(records[0].invalid());
    EXPECT_FALSE(records[1].invalid());
    EXPECT_EQ(lines.skipped_summary(), "lines=5 empty_lines_skipped=1 invalid_skipped=2");
  }
}

TEST(ProducerGeneratedRecords, SendsCountRecordsSerializedWithToJson) {
  LoadGenerator generator(LoadSettings{.seed = 1,
                                       .duplicate_ratio = 0.5,
                                       .topics = {"a.b"},
                                       .sources = {"s"},
                                       .start = EventTime(std::chrono::seconds(1'700'000'000)),
                                       .spacing = std::chrono::milliseconds(1)});
  GeneratedRecords records(generator, 100);
  EXPECT_EQ(records.expected_total(), std::optional<std::uint64_t>(100));
  EventParser parser;
  int count = 0;
  int duplicates = 0;
  while (auto record = records.next()) {
    ++count;
    duplicates += record->duplicate ? 1 : 0;
    const auto outcome = parser.parse(record->value);
    ASSERT_TRUE(std::holds_alternative<Event>(outcome));
    const auto& event = std::get<Event>(outcome);
    EXPECT_EQ(record->key, "a.b/" + event.event_id);
    EXPECT_EQ(record->topic, event.topic);
    EXPECT_EQ(record->event_id, event.event_id);
  }
  EXPECT_EQ(count, 100);
  EXPECT_GT(duplicates, 25);
  LoadGenerator endless_generator(LoadSettings{.seed = 1,
                                               .duplicate_ratio = 0,
                                               .topics = {"a"},
                                               .sources = {"s"},
                                               .start = {},
                                               .spacing = std::chrono::milliseconds(1)});
  EXPECT_FALSE(GeneratedRecords(endless_generator, 0).expected_total()) << "0 = endless";
}

TEST(ProducerGeneratedRecords, MalformedRecordsAreInvalidKeylessAndLeaveTheEventsAlone) {
  const LoadSettings settings{.seed = 3,
                              .duplicate_ratio = 0.3,
                              .topics = {"a.b"},
                              .sources = {"s"},
                              .start = EventTime(std::chrono::seconds(1'700'000'000)),
                              .spacing = std::chrono::milliseconds(1)};
  LoadGenerator clean_generator(settings);
  LoadGenerator mixed_generator(settings);
  GeneratedRecords clean(clean_generator, 0);
  GeneratedRecords mixed(mixed_generator, 2000, /*malformed_ratio=*/0.1, /*seed=*/3);
  EventParser parser;
  int malformed = 0;
  std::set<std::string> kinds;  // "code:field"
  while (auto record = mixed.next()) {
    const auto outcome = parser.parse(record->value);
    if (record->invalid()) {
      ++malformed;
      EXPECT_EQ(record->key, "");
      ASSERT_TRUE(std::holds_alternative<Rejection>(outcome)) << record->value;
      const auto& rejection = std::get<Rejection>(outcome);
      kinds.insert(std::string(to_string(rejection.code)) + ":" + rejection.field);
      continue;
    }
    // The events are those of a run without malformed records, in the same order.
    const auto expected = clean.next();
    ASSERT_TRUE(expected);
    EXPECT_EQ(record->value, expected->value);
    EXPECT_EQ(record->duplicate, expected->duplicate);
  }
  EXPECT_GT(malformed, 120);
  EXPECT_LT(malformed, 280);
  // Not JSON and truncated JSON share a code; the other three kinds have codes of their own.
  EXPECT_EQ(kinds.size(), 4u) << ::testing::PrintToString(kinds);
}

}  // namespace
}  // namespace eventsink
