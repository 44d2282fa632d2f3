// How late records reach a plain librdkafka consumer: from each record's Kafka timestamp to its
// arrival, on a topic being produced into now, records going nowhere.
//
// Run beside a latency run of the sink, on the same records, it shows what the producer, the
// broker and fetching alone add before any sink sees a record, at that moment on that machine:
// the floor under the sink's end-to-end latency, as the broker's rate is the ceiling over its
// throughput. It reads as its own assigning consumer (TopicReader), with no group.
//
// Thread-safety: a measurement runs on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/kafka_config.hpp"

namespace eventsink::bench {

struct ArrivalSettings {
  std::string topic;
  std::uint64_t records = 0;  // how many to wait for
  std::uint64_t skip = 0;     // the first ones, in arrival order, left out (a warm-up)
  std::chrono::seconds timeout{600};
};

struct ArrivalResult {
  std::uint64_t measured = 0;  // records - skip
  double p50_seconds = 0;
  double p99_seconds = 0;
  double max_seconds = 0;
  double share_at_most_100ms = 0;
};

// Reads the first `records` records of the topic as they arrive. Throws std::runtime_error when
// they do not all arrive within the timeout, or a record has no timestamp.
ArrivalResult measure_arrivals(const kafka::Properties& connection,
                               const ArrivalSettings& settings);

}  // namespace eventsink::bench
