// An idempotent librdkafka producer that reports each record's fate.
//
// Defaults are the durable ones: enable.idempotence=true (the broker drops a retried record it
// already has, so producer retries never duplicate), acks=all, and one request in flight per
// broker (with more, librdkafka 2.0.2 can acknowledge a record the broker never stored: see
// producer_properties). Callers may add properties (-X), applied after the defaults.
//
// Every produced record carries an opaque pointer; when the broker acknowledges or rejects the
// record, the DeliveryCallback receives it back with the outcome. Callbacks run on the
// producer's own polling thread, and also on a thread inside flush(): they may run concurrently
// and must be thread-safe.
//
// Thread-safety: produce() and flush() may be called from any thread concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"

namespace eventsink::kafka {

struct DeliveryReport {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  void* opaque = nullptr;

  bool delivered() const { return error == RD_KAFKA_RESP_ERR_NO_ERROR; }
};

class Producer {
 public:
  using DeliveryCallback = std::function<void(const DeliveryReport&)>;

  // Throws ConfigError for an invalid property. Connecting happens in the background.
  Producer(const Properties& properties, DeliveryCallback on_delivery);
  // Waits up to 10 s for records in flight, then stops the polling thread.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one record. When the local queue is full, waits for room (up to `queue_wait`) and
  // then throws std::runtime_error; any other refusal also throws. `partition` -1 lets the
  // partitioner choose by key (murmur2, as the Java client, so kcat and we agree).
  void produce(const std::string& topic, std::string_view key, std::string_view value, void* opaque,
               std::int32_t partition = -1,
               std::chrono::milliseconds queue_wait = std::chrono::seconds(30));

  // Waits until every queued record has a delivery report. Returns false on timeout.
  bool flush(std::chrono::milliseconds timeout);

  rd_kafka_t* native() const { return client_.get(); }

 private:
  static void delivery_trampoline(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  DeliveryCallback on_delivery_;
  ClientHandle client_;
  std::jthread poller_;
};

// The producer properties the project uses: durable defaults, then `overrides`.
Properties producer_properties(const std::string& brokers, const Properties& overrides = {});

}  // namespace eventsink::kafka
