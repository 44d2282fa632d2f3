#include "consumer/batch.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

Event event(std::string id) {
  return Event{.topic = "t",
               .event_id = std::move(id),
               .timestamp = {},
               .source = "s",
               .payload_json = "{}"};
}

RecordCoordinates at(std::int32_t partition, std::int64_t offset) {
  return {.kafka_topic = "events", .partition = partition, .offset = offset};
}

DeadLetter letter(std::int32_t partition, std::int64_t offset) {
  return DeadLetter{.at = at(partition, offset),
                    .key = std::nullopt,
                    .value = "x",
                    .reason_code = "invalid_json",
                    .reason = "not JSON"};
}

TEST(Batch, SpansCoverEveryRecordOfEachPartitionValidOrNot) {
  Batch batch;
  batch.add_event(at(0, 10), event("a"));
  batch.add_dead_letter(letter(0, 11));
  batch.add_event(at(0, 12), event("b"));
  batch.add_event(at(3, 5), event("c"));
  ASSERT_EQ(batch.size(), 4u);
  const auto& p0 = batch.spans().at({"events", 0});
  EXPECT_EQ(p0.first_offset, 10);
  EXPECT_EQ(p0.next_offset, 13);
  EXPECT_EQ(p0.records, 3u);
  EXPECT_EQ(batch.spans().at({"events", 3}).next_offset, 6);
}

TEST(Batch, DroppingAPartitionRemovesItsEventsDeadLettersAndSpan) {
  Batch batch;
  batch.add_event(at(0, 1), event("a"));
  batch.add_dead_letter(letter(0, 2));
  batch.add_event(at(1, 1), event("b"));
  batch.drop_partition({"events", 0});
  EXPECT_EQ(batch.size(), 1u);
  ASSERT_EQ(batch.events().size(), 1u);
  EXPECT_EQ(batch.events()[0].event.event_id, "b");
  EXPECT_TRUE(batch.dead_letters().empty());
  EXPECT_FALSE(batch.spans().contains({"events", 0}));
}

TEST(Batch, DemotedEventBecomesADeadLetterAndKeepsItsSpan) {
  Batch batch;
  batch.add_event(at(2, 7), event("a"));
  batch.add_event(at(2, 8), event("b"));
  batch.demote_event(0, "database_rejected", "database rejected the event: boom");
  EXPECT_EQ(batch.size(), 2u);
  ASSERT_EQ(batch.dead_letters().size(), 1u);
  EXPECT_EQ(batch.dead_letters()[0].at.offset, 7);
  EXPECT_EQ(batch.dead_letters()[0].reason_code, "database_rejected");
  EXPECT_EQ(batch.spans().at({"events", 2}).next_offset, 9);
}

TEST(Batch, ClearEmptiesEverything) {
  Batch batch;
  batch.add_event(at(0, 1), event("a"));
  batch.clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.events().empty());
  EXPECT_TRUE(batch.spans().empty());
}

TEST(Batch, ADemotedEventLeavesTheOthersInTheirOrder) {
  Batch batch;
  for (const auto* id : {"a", "b", "c", "d"}) {
    batch.add_event(at(0, static_cast<std::int64_t>(batch.size())), event(id));
  }
  batch.demote_event(1, "database_rejected", "boom");
  ASSERT_EQ(batch.events().size(), 3u);
  EXPECT_EQ(batch.events()[0].event.event_id, "a");
  EXPECT_EQ(batch.events()[1].event.event_id, "c");
  EXPECT_EQ(batch.events()[2].event.event_id, "d");
  ASSERT_EQ(batch.dead_letters().size(), 1u);
  EXPECT_EQ(batch.dead_letters()[0].at.offset, 1);
  EXPECT_NE(batch.dead_letters()[0].value->find(R"("event_id":"b")"), std::string::npos);
  EXPECT_THROW(batch.demote_event(3, "database_rejected", "boom"), std::out_of_range);
}

TEST(Batch, AnEventFilledInPlaceJoinsOnlyWhenKept) {
  Batch batch;
  EventRecord& slot = batch.next_event();
  slot.at = at(4, 9);
  slot.event = event("a");
  EXPECT_TRUE(batch.empty()) << "not kept yet";
  EXPECT_TRUE(batch.spans().empty());
  EXPECT_EQ(&batch.next_event(), &slot) << "the same storage until it is kept";
  batch.keep_event();
  ASSERT_EQ(batch.events().size(), 1u);
  EXPECT_EQ(batch.events()[0].event.event_id, "a");
  EXPECT_EQ(batch.spans().at({"events", 4}).next_offset, 10);
}

TEST(Batch, ClearFreesPayloadBuffersLargerThanItKeeps) {
  Batch batch;
  EventRecord& slot = batch.next_event();
  slot.at = at(0, 0);
  slot.event = event("huge");
  slot.event.payload_json.assign(4 * Batch::kKeptPayloadBytes, 'x');
  batch.keep_event();
  batch.clear();
  EXPECT_LE(batch.next_event().event.payload_json.capacity(), Batch::kKeptPayloadBytes);
}

TEST(Batch, StorageOutlivesClearAndDroppedPartitionsSoStringsKeepTheirCapacity) {
  Batch batch;
  const std::string payload(Batch::kKeptPayloadBytes / 2, 'x');
  for (std::int64_t offset = 0; offset < 3; ++offset) {
    EventRecord& slot = batch.next_event();
    slot.at = at(0, offset);
    slot.event = event("e");
    slot.event.payload_json = payload;
    batch.keep_event();
  }
  batch.drop_partition({"events", 0});
  EXPECT_TRUE(batch.empty());
  batch.add_event(at(1, 0), event("f"));
  batch.clear();
  EXPECT_TRUE(batch.empty());
  // The three slots are handed out again, in order, their payloads' buffers still allocated.
  for (std::int64_t offset = 0; offset < 3; ++offset) {
    EventRecord& slot = batch.next_event();
    EXPECT_GE(slot.event.payload_json.capacity(), payload.size()) << "slot " << offset;
    slot.at = at(1, offset);
    batch.keep_event();
  }
  EXPECT_EQ(batch.size(), 3u);
}

}  // namespace
}  // namespace eventsink
