#include "consumer/partition_tracker.hpp"

#include <string>

namespace eventsink {

std::string to_string(const TopicPartition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition) + "]";
}

void PartitionTracker::claim(const TopicPartition& tp, std::int64_t epoch,
                             std::optional<std::int64_t> stored_next) {
  partitions_[tp] = PartitionOwnership{
      .epoch = epoch, .stored_next = stored_next, .position = stored_next, .fenced = false};
}

void PartitionTracker::release(const TopicPartition& tp) {
  partitions_.erase(tp);
}

void PartitionTracker::fence(const TopicPartition& tp) {
  if (auto it = partitions_.find(tp); it != partitions_.end()) {
    it->second.fenced = true;
  }
}

PartitionTracker::Admission PartitionTracker::admit(const RecordCoordinates& at) {
  const auto it = partitions_.find(at);
  if (it == partitions_.end()) {
    return Admission::kNotOwned;
  }
  auto& state = it->second;
  if (state.fenced) {
    return Admission::kFenced;
  }
  const auto offset = at.offset;
  if (state.position && offset < *state.position) {
    return Admission::kRedelivery;
  }
  // A jump forward (offset > position) is legitimate: retention, compaction and transaction
  // markers all leave holes in the offset sequence. It is reported all the same, since on a
  // plain topic it would mean records were skipped.
  const bool gap = state.position && offset > *state.position;
  state.position = offset + 1;
  return gap ? Admission::kAcceptAfterGap : Admission::kAccept;
}

void PartitionTracker::committed(const TopicPartition& tp, std::int64_t next_offset) {
  if (auto it = partitions_.find(tp); it != partitions_.end()) {
    it->second.stored_next = next_offset;
    if (!it->second.position || *it->second.position < next_offset) {
      it->second.position = next_offset;
    }
  }
}

const PartitionOwnership* PartitionTracker::find(const TopicPartition& tp) const {
  const auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : &it->second;
}

std::vector<TopicPartition> PartitionTracker::owned() const {
  std::vector<TopicPartition> result;
  for (const auto& [tp, state] : partitions_) {
    if (!state.fenced) {
      result.push_back(tp);
    }
  }
  return result;
}

}  // namespace eventsink
