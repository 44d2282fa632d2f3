#include "benchmarks/arrival_latency.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "benchmarks/topic_reader.hpp"

namespace eventsink::bench {
namespace {

// The nearest-rank q-quantile of sorted, non-empty `values`.
double quantile_of_sorted(const std::vector<double>& values, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

}  // namespace

ArrivalResult measure_arrivals(const kafka::Properties& connection,
                               const ArrivalSettings& settings) {
  if (settings.records <= settings.skip) {
    throw std::invalid_argument("arrivals: nothing to measure after skipping the warm-up");
  }
  TopicReader reader(connection, settings.topic);
  std::vector<double> delays;  // seconds, for the records after the skipped ones
  delays.reserve(settings.records - settings.skip);
  std::uint64_t arrived = 0;
  reader.follow(
      settings.records,
      [&](const rd_kafka_message_t& message) {
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const auto timestamp_ms = rd_kafka_message_timestamp(&message, &type);
        if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
          throw std::runtime_error("arrivals: a record of " + settings.topic + " has no timestamp");
        }
        if (++arrived > settings.skip) {
          delays.push_back(static_cast<double>(now_ms - timestamp_ms) / 1000.0);
        }
      },
      settings.timeout);
  std::sort(delays.begin(), delays.end());
  ArrivalResult result;
  result.measured = delays.size();
  result.p50_seconds = quantile_of_sorted(delays, 0.5);
  result.p99_seconds = quantile_of_sorted(delays, 0.99);
  result.max_seconds = delays.back();
  result.share_at_most_100ms =
      static_cast<double>(std::upper_bound(delays.begin(), delays.end(), 0.1) - delays.begin()) /
      static_cast<double>(delays.size());
  return result;
}

}  // namespace eventsink::bench
