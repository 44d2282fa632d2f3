// Sends records to one Kafka topic and accounts for each record's fate: acknowledged records go
// to the ledger, failed ones are counted and the first few logged.
//
// Uses the project's idempotent producer (acks=all): a retried record is never written twice,
// so the ledger lists each delivered record once, with its partition and offset.
//
// Thread-safety: send(), flush() and abandon_in_flight() belong to one thread (the session's).
// counts() may be called from any thread. The delivery callback runs on librdkafka's threads
// and only touches the mutex-guarded table, atomics, the probe and the thread-safe ledger.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/kafka_producer.hpp"
#include "producer/ledger.hpp"
#include "producer/producer_probe.hpp"
#include "producer/record_source.hpp"

namespace eventsink {

struct SendCounts {
  std::uint64_t sent = 0;          // handed to the Kafka client
  std::uint64_t acknowledged = 0;  // the broker has them
  std::uint64_t failed = 0;        // refused, timed out, or abandoned at shutdown
  std::uint64_t duplicates = 0;    // of `sent`, repeats of an earlier event of this run
  std::uint64_t invalid = 0;       // of `sent`, not valid events

  std::uint64_t in_flight() const { return sent - acknowledged - failed; }
};

class RecordSender {
 public:
  // `ledger` may be null (no ledger). Both `ledger` and `probe` must outlive the sender.
  // Throws kafka::ConfigError for invalid properties.
  RecordSender(const kafka::Properties& properties, std::string kafka_topic, LedgerWriter* ledger,
               ProducerProbe& probe);

  // Queues one record; waits while the client's queue is full. Throws std::runtime_error when
  // the client refuses the record (the record is then not counted as sent).
  void send(const OutgoingRecord& record);

  // Waits up to `timeout` for every queued record's report; true when none is left in flight.
  bool flush(std::chrono::milliseconds timeout);

  // Gives up on records still queued or in flight: they are reported (and counted) as failed.
  // Their fate at the broker is unknown, so they are not in the ledger.
  void abandon_in_flight();

  SendCounts counts() const;

 private:
  struct Pending {
    std::string topic;
    std::string event_id;
  };

  void on_delivery(const kafka::DeliveryReport& report) noexcept;

  static constexpr std::uint64_t kFailuresLogged = 5;
  static constexpr std::uint64_t kWithoutOffsetLogged = 5;

  const std::string kafka_topic_;
  LedgerWriter* const ledger_;
  ProducerProbe& probe_;

  std::mutex mutex_;
  std::unordered_map<std::uint64_t, Pending> pending_;  // by the id carried as opaque
  std::uint64_t next_id_ = 1;

  std::atomic<std::uint64_t> sent_ = 0;
  std::atomic<std::uint64_t> acknowledged_ = 0;
  std::atomic<std::uint64_t> failed_ = 0;
  std::atomic<std::uint64_t> duplicates_ = 0;
  std::atomic<std::uint64_t> invalid_ = 0;
  std::atomic<std::uint64_t> acknowledged_without_offset_ = 0;

  // Declared last, so it is destroyed first: its destructor drains reports into on_delivery,
  // which uses everything above.
  kafka::Producer producer_;
};

}  // namespace eventsink
