// A batch: the records one PostgreSQL transaction will take effect for.
//
// Records are added in the order Kafka delivers them. For each partition the batch knows the span
// of offsets it covers, so the transaction can advance that partition's stored offset to the end
// of the span. A batch holds valid events and dead letters alike: both advance the offset.
//
// A batch keeps its event records' storage when it is cleared, and next_event() hands it out
// again: a worker that parses each record into that storage allocates nothing per record once its
// batches have warmed up. So a batch's memory is that of the most records it has held, each with
// the largest strings it has held, up to kKeptPayloadBytes: a rare large payload (up to 64 KiB)
// must not leave its buffer behind in every slot it passed through.
//
// Thread-safety: none; a batch belongs to one worker thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "consumer/topic_partition.hpp"

namespace eventsink {

struct EventRecord {
  RecordCoordinates at;
  Event event;
};

struct DeadLetter {
  RecordCoordinates at;
  std::optional<std::string> key;    // nullopt: the record had no key
  std::optional<std::string> value;  // nullopt: the record had a null value (a tombstone)
  std::string reason_code;           // a small fixed vocabulary, e.g. "invalid_json"
  std::string reason;                // for humans: field and detail
};

struct PartitionSpan {
  std::int64_t first_offset = 0;
  std::int64_t next_offset = 0;  // one past the last record in the batch
  std::size_t records = 0;
};

using PartitionSpans = std::map<TopicPartition, PartitionSpan, PartitionOrder>;

class Batch {
 public:
  // The largest payload buffer a slot keeps across clear(); a larger one is freed.
  static constexpr std::size_t kKeptPayloadBytes = 4096;

  void add_event(RecordCoordinates at, Event event);
  void add_dead_letter(DeadLetter dead_letter);

  // Storage for the next event record, left over from earlier batches where there is some: fill
  // it, then keep_event() adds it to the batch. Until then it is not part of the batch, and the
  // next call returns it again, as it is.
  EventRecord& next_event();
  void keep_event();

  // Removes every record of `tp` (the partition was revoked or fenced).
  void drop_partition(const TopicPartition& tp);

  // Moves `events()[index]` into the dead letters (the database refused it).
  void demote_event(std::size_t index, std::string reason_code, std::string reason);

  void clear();

  bool empty() const { return records_ == 0; }
  std::size_t size() const { return records_; }
  std::span<const EventRecord> events() const { return {events_.data(), event_count_}; }
  const std::vector<DeadLetter>& dead_letters() const { return dead_letters_; }
  const PartitionSpans& spans() const { return spans_; }

 private:
  void extend_span(const RecordCoordinates& at);

  std::vector<EventRecord> events_;  // the first event_count_ are the batch's, the rest storage
  std::size_t event_count_ = 0;
  std::vector<DeadLetter> dead_letters_;
  PartitionSpans spans_;
  std::size_t records_ = 0;
};

}  // namespace eventsink
