// Spaces records at a steady rate: record n is due at start + n / rate.
//
// Due times are absolute, so a slow moment is caught up on rather than lost, and the long-run
// rate is exact. Waits end early when `interrupted` returns true (checked at least every 100 ms).
//
// Thread-safety: none; a Pacer belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace eventsink {

class Pacer {
 public:
  // `records_per_second` 0 (or less) means no pacing: wait_turn() returns at once.
  explicit Pacer(double records_per_second);

  // Waits until record `index` (0-based) is due or `interrupted()` holds.
  void wait_turn(std::uint64_t index, const std::function<bool()>& interrupted);

 private:
  double records_per_second_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace eventsink
