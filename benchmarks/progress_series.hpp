// A running count sampled about once a second, for the benchmark's throughput-over-time plot.
//
// Each sample is a line "UNIX_SECONDS COUNT" (seconds with millisecond precision, the wall
// clock, so that samples of different processes line up with each other and with log times).
// scripts/benchmark.sh turns consecutive samples into rates.
//
// Thread-safety: none; a series belongs to one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

namespace eventsink::bench {

// The wall clock as Unix seconds, with sub-second precision.
double unix_seconds(std::chrono::system_clock::time_point time = std::chrono::system_clock::now());

class ProgressSeries {
 public:
  // Writes to `path`, truncating it; an empty path records nothing.
  explicit ProgressSeries(const std::string& path);

  // Takes a sample if a second or more has passed since the last one (or none was taken yet).
  void observe(std::uint64_t count);
  // Takes a sample now, whenever the last one was: the end of a measurement.
  void sample(std::uint64_t count);

 private:
  std::optional<std::ofstream> file_;
  std::optional<std::chrono::steady_clock::time_point> last_sample_;
};

}  // namespace eventsink::bench
