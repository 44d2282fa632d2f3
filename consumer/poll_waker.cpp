#include "consumer/poll_waker.hpp"

namespace eventsink {

PollWaker::PollWaker(rd_kafka_t* client) : queue_(rd_kafka_queue_get_consumer(client)) {}

void PollWaker::wake() {
  const std::scoped_lock lock(mutex_);
  if (queue_) {
    rd_kafka_queue_yield(queue_.get());
  }
}

void PollWaker::detach() {
  const std::scoped_lock lock(mutex_);
  queue_.reset();
}

}  // namespace eventsink
