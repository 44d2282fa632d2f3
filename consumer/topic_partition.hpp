// A Kafka topic-partition, the unit of ownership and ordering in the consumer.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <tuple>

namespace eventsink {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;

  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
};

// Where a record sits in Kafka: enough to find it again, and to dead-letter it.
struct RecordCoordinates {
  std::string kafka_topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;

  TopicPartition topic_partition() const { return {kafka_topic, partition}; }
};

// Orders partitions as TopicPartition does, and lets a record's coordinates find their partition in
// a map directly: building a TopicPartition to search with would copy the topic name per record.
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

std::string to_string(const TopicPartition& tp);

}  // namespace eventsink
