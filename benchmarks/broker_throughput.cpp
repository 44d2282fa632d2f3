#include "benchmarks/broker_throughput.hpp"

#include <chrono>
#include <optional>

#include <unistd.h>

#include "benchmarks/process_cpu.hpp"
#include "benchmarks/progress_series.hpp"
#include "benchmarks/topic_reader.hpp"

namespace eventsink::bench {

BrokerResult measure_broker(const kafka::Properties& connection, const std::string& topic) {
  using Clock = std::chrono::steady_clock;
  BrokerResult result;
  TopicReader reader(connection, topic);
  std::optional<Clock::time_point> first;
  Clock::time_point last;
  const auto cpu_before = cpu_seconds_of(getpid());
  reader.read([&](const rd_kafka_message_t& message) {
    last = Clock::now();
    if (!first) {
      first = last;
      result.started_at = unix_seconds();
    }
    ++result.records;
    result.bytes += message.key_len + message.len;
  });
  if (first) {
    result.seconds = std::chrono::duration<double>(last - *first).count();
  }
  if (const auto cpu_after = cpu_seconds_of(getpid()); cpu_before && cpu_after) {
    result.cpu_seconds = *cpu_after - *cpu_before;
  }
  return result;
}

}  // namespace eventsink::bench
