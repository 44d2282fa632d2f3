#include "consumer/batch.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace eventsink {

void Batch::extend_span(const RecordCoordinates& at) {
  auto found = spans_.find(at);
  if (found == spans_.end()) {
    found = spans_.emplace(at.topic_partition(), PartitionSpan{.first_offset = at.offset}).first;
  }
  auto& span = found->second;
  span.next_offset = std::max(span.next_offset, at.offset + 1);
  ++span.records;
  ++records_;
}

void Batch::add_event(RecordCoordinates at, Event event) {
  next_event() = EventRecord{std::move(at), std::move(event)};
  keep_event();
}

EventRecord& Batch::next_event() {
  if (event_count_ == events_.size()) {
    events_.emplace_back();
  }
  return events_[event_count_];
}

void Batch::keep_event() {
  extend_span(events_.at(event_count_).at);
  ++event_count_;
}

void Batch::add_dead_letter(DeadLetter dead_letter) {
  extend_span(dead_letter.at);
  dead_letters_.push_back(std::move(dead_letter));
}

void Batch::drop_partition(const TopicPartition& tp) {
  const auto span = spans_.find(tp);
  if (span == spans_.end()) {
    return;
  }
  records_ -= span->second.records;
  spans_.erase(span);
  const auto events_end = events_.begin() + static_cast<std::ptrdiff_t>(event_count_);
  const auto kept_end = std::remove_if(events_.begin(), events_end, [&](const EventRecord& r) {
    return r.at.partition == tp.partition && r.at.kafka_topic == tp.topic;
  });
  event_count_ = static_cast<std::size_t>(kept_end - events_.begin());
  std::erase_if(dead_letters_, [&](const DeadLetter& d) { return d.at.topic_partition() == tp; });
}

void Batch::demote_event(std::size_t index, std::string reason_code, std::string reason) {
  if (index >= event_count_) {
    throw std::out_of_range("Batch::demote_event: no such event");
  }
  // The record moves to the end of the batch's events, the others keeping their order, and then
  // out of them: its storage stays for later records.
  const auto first = events_.begin() + static_cast<std::ptrdiff_t>(index);
  std::rotate(first, first + 1, events_.begin() + static_cast<std::ptrdiff_t>(event_count_));
  const EventRecord& record = events_[--event_count_];
  dead_letters_.push_back(DeadLetter{.at = record.at,
                                     .key = std::nullopt,
                                     .value = to_json(record.event),
                                     .reason_code = std::move(reason_code),
                                     .reason = std::move(reason)});
}

void Batch::clear() {
  for (auto& record : events_) {
    if (auto& payload = record.event.payload_json; payload.capacity() > kKeptPayloadBytes) {
      std::string().swap(payload);
    }
  }
  event_count_ = 0;
  dead_letters_.clear();
  spans_.clear();
  records_ = 0;
}

}  // namespace eventsink
