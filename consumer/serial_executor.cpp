#include "consumer/serial_executor.hpp"

namespace eventsink {

SerialExecutor::SerialExecutor() : thread_([this](std::stop_token stop) { run(stop); }) {}

// ~jthread requests the stop and joins; run() first empties the queue.
SerialExecutor::~SerialExecutor() = default;

void SerialExecutor::enqueue(std::function<void()> job) {
  {
    const std::scoped_lock lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void SerialExecutor::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (true) {
    // Returns with a job queued, or with the stop requested and none left.
    wake_.wait(lock, stop, [this] { return !jobs_.empty(); });
    if (jobs_.empty()) {
      return;
    }
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();  // a packaged_task: what the job throws goes to its future
    lock.lock();
  }
}

}  // namespace eventsink
