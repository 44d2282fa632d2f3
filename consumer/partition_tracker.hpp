// Which partitions a worker owns, under which fencing epoch, and where each one stands.
//
// A worker owns a partition from the moment it claims it in PostgreSQL (bumping the partition's
// owner_epoch) until the partition is revoked, a batch finds the epoch moved, or the worker gives
// up a batch holding its records (both: fenced). For each owned partition the tracker knows two
// offsets:
//   - stored_next: the next offset as PostgreSQL has it, which the next batch's conditional
//     offset update must still find there;
//   - position: the next offset this worker expects to read (stored_next plus what the batch in
//     progress holds). A record below it was already processed or is already in the batch: it is a
//     redelivery and must not be counted again.
//
// Thread-safety: none. A tracker belongs to one worker thread (rebalance callbacks run on it too).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consumer/topic_partition.hpp"

namespace eventsink {

struct PartitionOwnership {
  std::int64_t epoch = 0;
  std::optional<std::int64_t> stored_next;  // nullopt: PostgreSQL has no offset yet
  std::optional<std::int64_t> position;     // nullopt: accept whatever Kafka delivers first
  bool fenced = false;  // claimed by another worker, or records given up: ignore until claimed
};

class PartitionTracker {
 public:
  enum class Admission {
    kAccept,          // process the record; position moved past it
    kAcceptAfterGap,  // the same, but it lies beyond the position: the offsets between never came
    kRedelivery,      // below position: already processed or already batched
    kNotOwned,        // a partition this worker does not hold (a late record after a revoke)
    kFenced,          // a partition fenced since (see PartitionOwnership::fenced)
  };

  // Records a successful claim. Replaces any earlier state of the partition.
  void claim(const TopicPartition& tp, std::int64_t epoch, std::optional<std::int64_t> stored_next);

  // Forgets the partition (revoked or lost).
  void release(const TopicPartition& tp);

  // Marks the partition as fenced: its records are ignored until it is claimed again. For a
  // partition another worker claimed, and for one whose read records were given up: its
  // position is past them, and only a claim brings back the offset PostgreSQL stores.
  void fence(const TopicPartition& tp);

  // Decides what to do with the record at `at`, advancing the position on kAccept.
  Admission admit(const RecordCoordinates& at);

  // PostgreSQL now stores `next_offset` for the partition (a batch committed).
  void committed(const TopicPartition& tp, std::int64_t next_offset);

  const PartitionOwnership* find(const TopicPartition& tp) const;
  std::vector<TopicPartition> owned() const;  // not fenced
  std::size_t size() const { return partitions_.size(); }

 private:
  std::map<TopicPartition, PartitionOwnership, PartitionOrder> partitions_;
};

}  // namespace eventsink
