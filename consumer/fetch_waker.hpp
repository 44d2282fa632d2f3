// Wakes librdkafka's fetcher as soon as a worker has made room in its prefetch queue.
//
// Why: librdkafka 2.0.2, which Debian 12 ships, stops fetching once the consumer's prefetch queue
// holds queued.max.messages.kbytes, and decides again only when its broker thread next wakes up:
// for a request to send, a response, or its one-second timeout. A worker empties a batch's worth
// of queue in milliseconds, so with a small queue it would sit idle for most of that second; the
// only cure on 2.0.2 is a queue holding a second's records, and those records are most of the
// consumer's memory (librdkafka 2.1 added fetch.queue.backoff.ms for this). Any request queued
// for the partition's leader wakes its broker thread, which then fetches at once; the cheapest
// public one is a watermark query (two small ListOffsets requests). So the worker reports every
// record it takes, and each time it has taken a quarter of the queue's limit a thread of the
// waker's own sends that query for the record's partition: the worker never waits on the network.
//
// Thread-safety: taken() is called from one thread (the worker's); the waker's own thread shares
// only the pending partition, under a mutex. `client` must outlive the FetchWaker.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include <librdkafka/rdkafka.h>

#include "consumer/topic_partition.hpp"

namespace eventsink {

class FetchWaker {
 public:
  // Wakes every quarter of `client`'s queued.max.messages.kbytes.
  explicit FetchWaker(rd_kafka_t* client);
  // Stops the waker's thread, waiting for at most one query in flight (kQueryTimeout).
  ~FetchWaker();
  FetchWaker(const FetchWaker&) = delete;
  FetchWaker& operator=(const FetchWaker&) = delete;

  // Counts a record the worker took off the queue; non-blocking.
  void taken(const rd_kafka_message_t& message);

  std::size_t wake_every_bytes() const { return wake_every_bytes_; }

  static constexpr int kQueryTimeoutMs = 1000;

 private:
  void run(std::stop_token stop);

  rd_kafka_t* const client_;
  const std::size_t wake_every_bytes_;
  std::size_t taken_bytes_ = 0;  // since the last wake; the worker's thread only

  std::mutex mutex_;
  std::condition_variable_any pending_changed_;
  std::optional<TopicPartition> pending_;  // the partition whose leader to wake, if any

  std::jthread thread_;  // last: it starts once the members above exist, and stops first
};

}  // namespace eventsink
