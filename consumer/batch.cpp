#include "consumer/batch.hpp"

#include <algorithm>
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
  extend_span(at);
  events_.push_back(EventRecord{std::move(at), std::move(event)});
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
  std::erase_if(events_, [&](const EventRecord& r) { return r.at.topic_partition() == tp; });
  std::erase_if(dead_letters_, [&](const DeadLetter& d) { return d.at.topic_partition() == tp; });
}

void Batch::demote_event(std::size_t index, std::string reason_code, std::string reason) {
  EventRecord record = std::move(events_.at(index));
  events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(index));
  dead_letters_.push_back(DeadLetter{.at = std::move(record.at),
                                     .key = std::nullopt,
                                     .value = to_json(record.event),
                                     .reason_code = std::move(reason_code),
                                     .reason = std::move(reason)});
}

void Batch::clear() {
  events_.clear();
  dead_letters_.clear();
  spans_.clear();
  records_ = 0;
}

}  // namespace eventsink
