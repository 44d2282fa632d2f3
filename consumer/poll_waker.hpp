// Wakes a thread blocked in KafkaConsumer::poll() from another thread.
//
// Why: a worker polls Kafka while its batch's transaction runs on the write thread, and should
// learn of the commit at once (its Kafka offsets, the next batch's hand-over wait on it). A short
// poll timeout instead trades a wake-up every period against a delay of up to one period, and
// picks a constant for it. (Measured at 10,000 events/s with 4 workers, the consumer's CPU was the
// same either way: this is about the delay and the constant, not speed.) librdkafka's
// rd_kafka_queue_yield() makes the poll blocked on the consumer queue return at once with nothing,
// or, if none is blocked, the next poll: a wake-up is never lost. A poll may also return
// empty-handed once for a wake-up meant for the one before.
//
// Thread-safety: wake() may be called from any thread, before or after the consumer is gone: the
// consumer detaches the waker before it destroys its client, and a detached waker does nothing.
// So a job that outlives the consumer (a write finishing during shutdown) may hold one.
#pragma once

#include <mutex>

#include <librdkafka/rdkafka.h>

#include "common/kafka_handles.hpp"

namespace eventsink {

class PollWaker {
 public:
  // Wakes polls of `client`'s consumer queue (rd_kafka_poll_set_consumer must have been called).
  explicit PollWaker(rd_kafka_t* client);
  PollWaker(const PollWaker&) = delete;
  PollWaker& operator=(const PollWaker&) = delete;

  void wake();
  // Releases the queue; later wake()s do nothing. Must happen before the client is destroyed.
  void detach();

 private:
  std::mutex mutex_;
  kafka::QueueHandle queue_;  // guarded by mutex_; null once detached
};

}  // namespace eventsink
