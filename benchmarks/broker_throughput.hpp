// The broker: how fast librdkafka alone reads the benchmark's topic, records going nowhere.
//
// This is the rate the sink could never beat even with an infinitely fast database: it bounds
// the Kafka side of the sink the way the ceiling bounds the PostgreSQL side.
//
// Thread-safety: a measurement runs on the calling thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/kafka_config.hpp"

namespace eventsink::bench {

struct BrokerResult {
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;            // keys and values
  double started_at = 0;              // Unix seconds of the first record
  double seconds = 0;                 // first record to last
  std::optional<double> cpu_seconds;  // of this process (librdkafka's threads and the loop)
  double records_per_second() const { return seconds > 0 ? double(records) / seconds : 0; }
};

// Reads every record of `topic` once (TopicReader), timed from the first record to the last.
BrokerResult measure_broker(const kafka::Properties& connection, const std::string& topic);

}  // namespace eventsink::bench
