// Reads a whole Kafka topic once: every record from each partition's beginning up to the end the
// partition had when reading started (or, following a topic being written, a number of records).
//
// The benchmark's measurements that need "the same data" (the ceiling, the broker's raw rate, the
// peer's copy of the topic) read it through this class. It assigns the partitions directly
// instead of joining a consumer group, so no rebalance delays the first record and nothing is
// committed; fetching is librdkafka's, configured as the sink's workers are.
//
// Thread-safety: none; a TopicReader belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"

namespace eventsink::bench {

class TopicReader {
 public:
  using RecordHandler = std::function<void(const rd_kafka_message_t&)>;

  // `connection`: bootstrap.servers and whatever else reaching the brokers takes. Looks up the
  // topic's partitions and their current ends; throws std::runtime_error when the topic is
  // missing or the broker does not answer.
  TopicReader(const kafka::Properties& connection, std::string topic);

  // Records the topic held when this reader was made (high minus low watermarks).
  std::uint64_t records() const { return records_; }
  int partitions() const { return static_cast<int>(ranges_.size()); }

  // Calls `on_record` once for every record, each partition in offset order (partitions
  // interleave as the broker's fetches arrive). Throws std::runtime_error when the broker
  // reports an error or `timeout` passes before the last record.
  void read(const RecordHandler& on_record,
            std::chrono::milliseconds timeout = std::chrono::minutes(10));

  // Calls `on_record` for the first `count` records from each partition's beginning, waiting for
  // the ones not produced yet: for a topic being written now. Throws std::runtime_error when the
  // broker reports an error or `timeout` passes before the last record.
  void follow(std::uint64_t count, const RecordHandler& on_record,
              std::chrono::milliseconds timeout = std::chrono::minutes(10));

 private:
  // Assigns every partition from its range's beginning and hands each record to `on_record` until
  // `done()` holds (checked before each poll), then unassigns, also when it throws. Throws
  // std::runtime_error, led by `activity`, when the broker reports an error or `timeout` passes
  // first; `shortfall()` then says how far it got.
  void consume_until(const std::function<bool()>& done, const RecordHandler& on_record,
                     std::chrono::milliseconds timeout, std::string_view activity,
                     const std::function<std::string()>& shortfall);

  struct PartitionRange {
    std::int64_t begin = 0;
    std::int64_t end = 0;  // one past the last record to read
  };

  std::string topic_;
  kafka::ClientHandle client_;          // an assigning consumer: no group membership, no commits
  std::vector<PartitionRange> ranges_;  // by partition number
  std::uint64_t records_ = 0;
};

}  // namespace eventsink::bench
