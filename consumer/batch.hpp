// A batch: the records one PostgreSQL transaction will take effect for.
//
// Records are added in the order Kafka delivers them. For each partition the batch knows the span
// of offsets it covers, so the transaction can advance that partition's stored offset to the end
// of the span. A batch holds valid events and dead letters alike: both advance the offset.
//
// Thread-safety: none; a batch belongs to one worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/event.hpp"
#include "consumer/topic_partition.hpp"

namespace eventsink {

struct EventRecord {
  RecordCoordinates at;
  Event event;
};

struct DeadLetter {
  RecordCoordinates at;
  std::optional<std::string> key;    // nullopt: the record had no key
  std::optional<std::string> value;  // nullopt: the record had a null value (a tombstone)
  std::string reason_code;           // a small fixed vocabulary, e.g. "invalid_json"
  std::string reason;                // for humans: field and detail
};

struct PartitionSpan {
  std::int64_t first_offset = 0;
  std::int64_t next_offset = 0;  // one past the last record in the batch
  std::size_t records = 0;
};

// Orders partitions as TopicPartition does, and lets a record's coordinates find their partition's
// span directly: building a TopicPartition to search with would copy the topic name per record.
struct PartitionOrder {
  using is_transparent = void;
  bool operator()(const TopicPartition& a, const TopicPartition& b) const { return a < b; }
  bool operator()(const TopicPartition& a, const RecordCoordinates& b) const {
    return std::tie(a.topic, a.partition) < std::tie(b.kafka_topic, b.partition);
  }
  bool operator()(const RecordCoordinates& a, const TopicPartition& b) const {
    return std::tie(a.kafka_topic, a.partition) < std::tie(b.topic, b.partition);
  }
};

using PartitionSpans = std::map<TopicPartition, PartitionSpan, PartitionOrder>;

class Batch {
 public:
  void add_event(RecordCoordinates at, Event event);
  void add_dead_letter(DeadLetter dead_letter);

  // Removes every record of `tp` (the partition was revoked or fenced).
  void drop_partition(const TopicPartition& tp);

  // Moves `events()[index]` into the dead letters (the database refused it).
  void demote_event(std::size_t index, std::string reason_code, std::string reason);

  void clear();

  bool empty() const { return records_ == 0; }
  std::size_t size() const { return records_; }
  const std::vector<EventRecord>& events() const { return events_; }
  const std::vector<DeadLetter>& dead_letters() const { return dead_letters_; }
  const PartitionSpans& spans() const { return spans_; }

 private:
  void extend_span(const RecordCoordinates& at);

  std::vector<EventRecord> events_;
  std::vector<DeadLetter> dead_letters_;
  PartitionSpans spans_;
  std::size_t records_ = 0;
};

}  // namespace eventsink
