#include "benchmarks/progress_series.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace eventsink::bench {

double unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

ProgressSeries::ProgressSeries(const std::string& path) {
  if (path.empty()) {
    return;
  }
  file_.emplace(path, std::ios::trunc);
  if (!*file_) {
    throw std::runtime_error("cannot write " + path);
  }
}

void ProgressSeries::observe(std::uint64_t count) {
  const auto now = std::chrono::steady_clock::now();
  if (!last_sample_ || now - *last_sample_ >= std::chrono::seconds(1)) {
    sample(count);
  }
}

void ProgressSeries::sample(std::uint64_t count) {
  last_sample_ = std::chrono::steady_clock::now();
  if (file_) {
    *file_ << fmt::format("{:.3f} {}\n", unix_seconds(), count) << std::flush;
  }
}

}  // namespace eventsink::bench
