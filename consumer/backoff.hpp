// Exponential back-off with jitter for retrying against a server that is down or overloaded.
//
// Thread-safety: none; each retry loop owns its Backoff.
#pragma once

#include <chrono>
#include <random>
#include <stop_token>

namespace eventsink {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds maximum);

  // Sleeps for the next delay: it doubles from `initial` up to `maximum`, each time picked
  // uniformly from its upper half so that workers that failed together do not retry together.
  // Wakes early when stop is requested. Returns false if stop was requested.
  bool wait(std::stop_token stop);

  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  std::chrono::milliseconds next_;
  std::minstd_rand random_;
};

}  // namespace eventsink
