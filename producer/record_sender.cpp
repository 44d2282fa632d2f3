#include "producer/record_sender.hpp"

#include <string_view>

#include <spdlog/spdlog.h>

namespace eventsink {
namespace {

// The record's id travels through librdkafka as its opaque pointer; it is never dereferenced.
void* as_opaque(std::uint64_t id) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(id));
}
std::uint64_t from_opaque(void* opaque) {
  return reinterpret_cast<std::uintptr_t>(opaque);
}

// How log lines name a record: its event's identity, if it is a valid event.
std::string record_name(const std::string& topic, const std::string& event_id) {
  return topic.empty() ? std::string("an invalid record") : event_key(topic, event_id);
}

}  // namespace

RecordSender::RecordSender(const kafka::Properties& properties, std::string kafka_topic,
                           LedgerWriter* ledger, ProducerProbe& probe)
    : kafka_topic_(std::move(kafka_topic)),
      ledger_(ledger),
      probe_(probe),
      producer_(properties, [this](const kafka::DeliveryReport& report) { on_delivery(report); }) {}

void RecordSender::send(const OutgoingRecord& record) {
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    pending_.emplace(id, Pending{.topic = record.topic, .event_id = record.event_id});
  }
  // Counted before producing: the report may arrive before produce() returns, and in_flight()
  // must never go below zero.
  ++sent_;
  try {
    // An empty key is sent as no key at all (a null key), so the partitioner spreads such
    // records instead of sending them all to the partition of "".
    const std::string_view key =
        record.key.empty() ? std::string_view() : std::string_view(record.key);
    producer_.produce(kafka_topic_, key, record.value, as_opaque(id));
  } catch (...) {
    --sent_;
    std::lock_guard lock(mutex_);
    pending_.erase(id);
    throw;
  }
  probe_.sent(record.duplicate, record.invalid());
  if (record.duplicate) {
    ++duplicates_;
  }
  if (record.invalid()) {
    ++invalid_;
  }
}

bool RecordSender::flush(std::chrono::milliseconds timeout) {
  producer_.flush(timeout);
  return counts().in_flight() == 0;
}

void RecordSender::abandon_in_flight() {
  rd_kafka_purge(producer_.native(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

SendCounts RecordSender::counts() const {
  // Read the outcomes before `sent`, so that a concurrent report cannot make in_flight() wrap.
  SendCounts counts;
  counts.acknowledged = acknowledged_.load();
  counts.failed = failed_.load();
  counts.duplicates = duplicates_.load();
  counts.invalid = invalid_.load();
  counts.sent = sent_.load();
  return counts;
}

void RecordSender::on_delivery(const kafka::DeliveryReport& report) noexcept {
  try {
    Pending pending;
    {
      std::lock_guard lock(mutex_);
      auto node = pending_.extract(from_opaque(report.opaque));
      if (node.empty()) {
        return;  // not ours (cannot happen) or already reported
      }
      pending = std::move(node.mapped());
    }
    if (report.delivered()) {
      if (report.offset < 0 && ++acknowledged_without_offset_ <= kWithoutOffsetLogged) {
        // librdkafka's implicit acknowledgement: the record may never have been stored (see
        // kafka::producer_properties). Only with max.in.flight.requests.per.connection > 1.
        spdlog::warn("Kafka acknowledged {} without an offset: it may not be stored",
                     record_name(pending.topic, pending.event_id));
      }
      if (ledger_ != nullptr) {
        ledger_->append(LedgerEntry{.topic = std::move(pending.topic),
                                    .event_id = std::move(pending.event_id),
                                    .partition = report.partition,
                                    .offset = report.offset});
      }
      probe_.acknowledged();
      ++acknowledged_;
      return;
    }
    probe_.failed();
    const std::uint64_t failures = ++failed_;
    if (failures <= kFailuresLogged) {
      spdlog::error("delivery failed for {}: {}", record_name(pending.topic, pending.event_id),
                    kafka::error_text(report.error));
    } else if (failures == kFailuresLogged + 1) {
      spdlog::error("more deliveries failed; they are counted, not logged");
    }
  } catch (...) {
    // Only std::bad_alloc can get here; librdkafka's C callback must not see an exception.
  }
}

}  // namespace eventsink
