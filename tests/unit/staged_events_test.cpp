// What SinkWriter stages for a batch: each event once, its first copy, in write order.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "consumer/sink_writer.hpp"

namespace eventsink {
namespace {

EventRecord record(std::string topic, std::string id, std::int32_t partition, std::int64_t offset,
                   std::string kafka_topic = "events") {
  return EventRecord{
      .at = {.kafka_topic = std::move(kafka_topic), .partition = partition, .offset = offset},
      .event = {.topic = std::move(topic),
                .event_id = std::move(id),
                .timestamp = {},
                .source = "s",
                .payload_json = "{}"}};
}

// "topic/event_id@partition:offset xcopies" for each staged row, in staging order.
std::vector<std::string> describe(const std::vector<EventRecord>& events) {
  std::vector<std::string> rows;
  for (const auto& staged : staged_events(events)) {
    const auto& [at, event] = events[staged.index];
    rows.push_back(event.topic + "/" + event.event_id + "@" + std::to_string(at.partition) + ":" +
                   std::to_string(at.offset) + " x" + std::to_string(staged.copies));
  }
  return rows;
}

TEST(StagedEvents, AnEmptyBatchStagesNothing) {
  EXPECT_TRUE(staged_events({}).empty());
}

TEST(StagedEvents, EachEventIsStagedOnceAsItsFirstCopyWithTheCountOfItsCopies) {
  const std::vector<EventRecord> events = {
      record("t", "b", 0, 10), record("t", "a", 0, 11), record("t", "b", 0, 12),
      record("t", "b", 0, 13), record("u", "a", 0, 14),  // another topic: another event
  };
  EXPECT_EQ(describe(events),
            (std::vector<std::string>{"t/a@0:11 x1", "u/a@0:14 x1", "t/b@0:10 x3"}));
}

TEST(StagedEvents, TheFirstCopyIsTheOneWithTheLowestCoordinatesWhateverTheArrivalOrder) {
  // Copies of an unkeyed event on several partitions arrive in any order.
  const std::vector<EventRecord> events = {
      record("t", "x", 4, 1), record("t", "x", 2, 9), record("t", "x", 2, 3),
      record("t", "x", 1, 7, "other")  // another Kafka topic, compared by name first
  };
  const auto staged = staged_events(events);
  ASSERT_EQ(staged.size(), 1u);
  EXPECT_EQ(staged[0].copies, 4);
  EXPECT_EQ(staged[0].index, 2u);  // "events" < "other"; then partition 2, offset 3
}

TEST(StagedEvents, WriteOrderIsByteOrderAsPostgresCollationC) {
  // Byte order, not a language's: uppercase before lowercase, a prefix before its extensions,
  // and multibyte UTF-8 (bytes >= 0x80) after ASCII. The event_id decides before the topic, as in
  // the primary key (event_id, topic).
  const std::vector<EventRecord> events = {
      record("t", "\xc3\xa9", 0, 1),  // é
      record("t", "ab", 0, 2),       record("t", "a", 0, 3), record("t", "B", 0, 4),
      record("T", "z", 0, 5),        record("u", "B", 0, 6), record("T", "B", 0, 7),
  };
  EXPECT_EQ(describe(events),
            (std::vector<std::string>{"T/B@0:7 x1", "t/B@0:4 x1", "u/B@0:6 x1", "t/a@0:3 x1",
                                      "t/ab@0:2 x1", "T/z@0:5 x1", "t/\xc3\xa9@0:1 x1"}));
}

TEST(StagedEvents, WriteOrderComparesWholeIdsNotOnlyTheirFirstEightBytes) {
  // The sort compares the first eight bytes first (as integers); ids that share them, or that end
  // within them, must still come out in byte order.
  const std::vector<EventRecord> events = {
      record("t", "abcdefgh2", 0, 1),        record("t", "abcdefgh", 0, 2),
      record("t", "abcdefgh10", 0, 3),       record("t", "abcdefg", 0, 4),
      record("t", "abcdefgh\xc3\xa9", 0, 5), record("t", "abcdefgh2", 0, 6),
      record("t", "abcdefgi", 0, 7),
  };
  EXPECT_EQ(describe(events),
            (std::vector<std::string>{"t/abcdefg@0:4 x1", "t/abcdefgh@0:2 x1",
                                      "t/abcdefgh10@0:3 x1", "t/abcdefgh2@0:1 x2",
                                      "t/abcdefgh\xc3\xa9@0:5 x1", "t/abcdefgi@0:7 x1"}));
}

}  // namespace
}  // namespace eventsink
