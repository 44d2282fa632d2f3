// Synthetic load: an endless, reproducible sequence of valid events, a share of which repeat an
// earlier event.
//
// The n-th new event (n = 0, 1, ...) is a pure function of (seed, n): its topic and source are
// drawn from the configured lists, its event_id is a UUID (version 4 layout) drawn from the seed,
// its timestamp is `start` + n * `spacing` (plus jitter within one spacing), and its payload is a
// realistic object for its topic (synthetic_payloads.hpp). Different seeds give different
// event_ids; the same seed gives the same events again (all duplicates, if sent to the same sink).
//
// Each record after the first repeats an earlier event with probability `duplicate_ratio`,
// choosing mostly among the last 1,000 new events (a retrying upstream resends soon) and
// otherwise among all of them. A repeat keeps (topic, event_id) and is, in about equal shares,
// an exact copy, a copy with a later timestamp, or a copy with a later timestamp and an edited
// payload (a "revision" field): the sink must drop all three.
//
// Thread-safety: none; a LoadGenerator belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "producer/split_mix.hpp"

namespace eventsink {

struct LoadSettings {
  std::uint64_t seed = 0;
  double duplicate_ratio = 0.0;             // in [0, 1]
  std::vector<std::string> topics;          // at least one; event topics, not Kafka topics
  std::vector<std::string> sources;         // at least one
  EventTime start{};                        // timestamp of the first new event
  std::chrono::microseconds spacing{1000};  // between new events' timestamps; at least 1 us
};

struct GeneratedEvent {
  Event event;
  bool duplicate = false;  // repeats the (topic, event_id) of an earlier record
};

class LoadGenerator {
 public:
  // Throws std::invalid_argument for an empty topic or source list, an empty name in them, or a
  // ratio outside [0, 1].
  explicit LoadGenerator(LoadSettings settings);

  GeneratedEvent next();

  std::uint64_t records() const { return records_; }        // returned by next() so far
  std::uint64_t new_events() const { return new_events_; }  // of which were not duplicates

 private:
  // The `index`-th new event; with `revision` > 0, its edited payload.
  Event new_event(std::uint64_t index, int revision) const;
  GeneratedEvent repeat_earlier_event();

  LoadSettings settings_;
  SplitMix64 random_;
  std::uint64_t records_ = 0;
  std::uint64_t new_events_ = 0;
};

}  // namespace eventsink
