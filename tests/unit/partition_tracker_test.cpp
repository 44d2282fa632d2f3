#include "consumer/partition_tracker.hpp"

#include <gtest/gtest.h>

namespace eventsink {
namespace {

using Admission = PartitionTracker::Admission;
const TopicPartition kP0{"events", 0};
const TopicPartition kP1{"events", 1};

RecordCoordinates at(const TopicPartition& tp, std::int64_t offset) {
  return {.kafka_topic = tp.topic, .partition = tp.partition, .offset = offset};
}

TEST(PartitionTracker, RecordsOfUnclaimedPartitionsAreNotOwned) {
  PartitionTracker tracker;
  EXPECT_EQ(tracker.admit(at(kP0, 0)), Admission::kNotOwned);
}

TEST(PartitionTracker, NewPartitionAcceptsWhateverComesFirstThenOnlyLaterOffsets) {
  PartitionTracker tracker;
  tracker.claim(kP0, 1, std::nullopt);
  EXPECT_EQ(tracker.admit(at(kP0, 7)), Admission::kAccept);
  EXPECT_EQ(tracker.admit(at(kP0, 7)), Admission::kRedelivery);
  EXPECT_EQ(tracker.admit(at(kP0, 3)), Admission::kRedelivery);
  EXPECT_EQ(tracker.admit(at(kP0, 8)), Admission::kAccept);
}

TEST(PartitionTracker, StoredOffsetMarksEverythingBelowAsRedelivered) {
  PartitionTracker tracker;
  tracker.claim(kP0, 4, 100);
  EXPECT_EQ(tracker.admit(at(kP0, 99)), Admission::kRedelivery);
  EXPECT_EQ(tracker.admit(at(kP0, 100)), Admission::kAccept);
  EXPECT_EQ(tracker.find(kP0)->epoch, 4);
}

TEST(PartitionTracker, GapsAreAcceptedBecauseRetentionAndMarkersLeaveHolesButAreReported) {
  PartitionTracker tracker;
  tracker.claim(kP0, 1, 10);
  EXPECT_EQ(tracker.admit(at(kP0, 15)), Admission::kAcceptAfterGap);
  EXPECT_EQ(tracker.admit(at(kP0, 12)), Admission::kRedelivery);
  EXPECT_EQ(tracker.admit(at(kP0, 16)), Admission::kAccept);
}

TEST(PartitionTracker, FencedPartitionIgnoresRecordsUntilClaimedAgain) {
  PartitionTracker tracker;
  tracker.claim(kP0, 1, 0);
  tracker.claim(kP1, 1, 0);
  tracker.fence(kP0);
  EXPECT_EQ(tracker.admit(at(kP0, 0)), Admission::kFenced);
  EXPECT_EQ(tracker.owned(), std::vector<TopicPartition>{kP1});
  tracker.claim(kP0, 2, 5);
  EXPECT_EQ(tracker.admit(at(kP0, 5)), Admission::kAccept);
}

TEST(PartitionTracker, CommitMovesTheStoredOffsetAndThePositionPastIt) {
  PartitionTracker tracker;
  tracker.claim(kP0, 1, std::nullopt);
  ASSERT_EQ(tracker.admit(at(kP0, 0)), Admission::kAccept);
  tracker.committed(kP0, 2);  // ahead of the position (1): the position follows
  EXPECT_EQ(tracker.find(kP0)->stored_next, 2);
  EXPECT_EQ(tracker.admit(at(kP0, 1)), Admission::kRedelivery) << "below the stored offset";
  EXPECT_EQ(tracker.admit(at(kP0, 2)), Admission::kAccept);
}

TEST(PartitionTracker, ReleaseForgetsThePartition) {
  PartitionTracker tracker;
  tracker.claim(kP0, 1, 0);
  tracker.release(kP0);
  EXPECT_EQ(tracker.find(kP0), nullptr);
  EXPECT_EQ(tracker.admit(at(kP0, 0)), Admission::kNotOwned);
}

}  // namespace
}  // namespace eventsink
