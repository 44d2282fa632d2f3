#include "consumer/backoff.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace eventsink {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum)
    : initial_(initial), maximum_(maximum), next_(initial), random_(std::random_device{}()) {}

bool Backoff::wait(std::stop_token stop) {
  std::uniform_int_distribution<std::int64_t> pick(next_.count() / 2, next_.count());
  const std::chrono::milliseconds delay(pick(random_));
  next_ = std::min(next_ * 2, maximum_);
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  // Nothing notifies `wake`: this returns after `delay`, or at once when stop is requested.
  wake.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace eventsink
