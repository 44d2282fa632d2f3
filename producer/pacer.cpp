#include "producer/pacer.hpp"

#include <algorithm>
#include <thread>

namespace eventsink {

Pacer::Pacer(double records_per_second)
    : records_per_second_(records_per_second), start_(std::chrono::steady_clock::now()) {}

void Pacer::wait_turn(std::uint64_t index, const std::function<bool()>& interrupted) {
  if (records_per_second_ <= 0) {
    return;
  }
  const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(double(index) / records_per_second_));
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= due || interrupted()) {
      return;
    }
    // Sleeping in slices keeps a signal's effect prompt even at very low rates.
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(due - now, std::chrono::milliseconds(100)));
  }
}

}  // namespace eventsink
