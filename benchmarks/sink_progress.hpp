// Watches a sink fill its PostgreSQL schema: polls a count until it reaches a target.
//
// Both sinks the benchmark runs as separate processes (eventsink-consumer, and the peer in Kafka
// Connect) are timed from the outside by this watcher, on one connection of its own: it polls
// every `interval`, records a ProgressSeries, and notes when the count first moved and when it
// reached the target. The time of an observation is taken when its query returns, so a reached
// target is seen at most one interval (plus one query) late.
//
// Thread-safety: a watch runs on the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace eventsink::bench {

enum class SinkCount {
  kRecordsCounted,  // our sink: topic_stats.received plus dead letters (cheap, exact)
  kRows,            // the peer: rows in `events` (it keeps no statistics)
};

struct WatchSettings {
  std::string database_url;  // its search_path names the sink's schema, already migrated
  SinkCount count = SinkCount::kRecordsCounted;
  std::uint64_t target = 0;
  std::chrono::milliseconds interval{100};
  std::chrono::seconds timeout{3600};
  std::string series_path;  // ProgressSeries output; empty: none
};

struct WatchResult {
  bool reached = false;
  std::uint64_t count = 0;            // at the last observation
  std::optional<double> first_moved;  // Unix seconds of the first non-zero observation
  std::optional<double> reached_at;   // Unix seconds of the observation that reached the target
};

WatchResult watch_sink(const WatchSettings& settings);

}  // namespace eventsink::bench
