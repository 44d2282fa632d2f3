// A Kafka topic-partition, the unit of ownership and ordering in the consumer.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

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

std::string to_string(const TopicPartition& tp);

}  // namespace eventsink
