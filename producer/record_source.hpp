// What a producing session sends: records, and the sources they come from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace eventsink {

// One Kafka record and what the producer knows about it.
struct OutgoingRecord {
  std::string key;         // "<topic>/<event_id>"; empty: the record has no key
  std::string value;       // sent as it is
  std::string topic;       // the event's topic; empty when the value is not a valid event
  std::string event_id;    // empty when the value is not a valid event
  bool duplicate = false;  // repeats the (topic, event_id) of an earlier record of this run

  bool invalid() const { return topic.empty(); }
};

// The Kafka key of an event: every copy of an event goes to the same partition, so the copies
// reach the sink in order. The event's topic is part of the key because one Kafka topic carries
// every event topic.
inline std::string event_key(const std::string& topic, const std::string& event_id) {
  return topic + "/" + event_id;
}

// A sequence of records to send.
//
// Thread-safety: a source is used by one thread, the session's.
class RecordSource {
 public:
  virtual ~RecordSource() = default;

  // The next record, or nullopt at the end. May block (reading standard input); returns nullopt
  // early when a read is interrupted by a signal. Throws std::runtime_error on an I/O error.
  virtual std::optional<OutgoingRecord> next() = 0;

  // How many records next() will return in all, when known in advance (for the progress bar).
  virtual std::optional<std::uint64_t> expected_total() const = 0;

  // Words for the summary about what the source left out (e.g. "skipped_invalid=3"), or "".
  virtual std::string skipped_summary() const { return ""; }
};

}  // namespace eventsink
