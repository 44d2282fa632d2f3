// Showing a producing session's progress while it runs, and its summary when it ends.
//
// On a terminal (stderr is a TTY) a one-line bar is redrawn four times a second; otherwise (a
// log file, a CI job) a progress log line is written every few seconds, so logs stay readable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "producer/record_sender.hpp"

namespace eventsink {

// A progress line for the terminal, without line control characters, e.g.
// "[#########.........]  45.0%  45,000/100,000 acked  12,345/s  in flight 1,200  failed 0"
// Without a known total there is no bar and no percentage.
std::string render_progress(const SendCounts& counts, std::optional<std::uint64_t> total,
                            double records_per_second);

// The final summary, key=value words:
// "sent=100000 acked=100000 failed=0 duplicates=29874 invalid=0 elapsed=4.21s rate=23752/s"
// `rate` is acknowledged records per second of elapsed time. `extra` (may be "") is appended.
std::string render_summary(const SendCounts& counts, std::chrono::duration<double> elapsed,
                           const std::string& extra);

// Reports progress from its own thread until stopped.
//
// Thread-safety: construct and stop() from one thread; `sample` is called from the reporter's
// thread and must be thread-safe itself.
class ProgressReporter {
 public:
  enum class Style { kTerminalBar, kLogLines };

  // The style stderr calls for: a bar on a TTY, log lines otherwise.
  static Style style_for_stderr();

  ProgressReporter(std::function<SendCounts()> sample, std::optional<std::uint64_t> total,
                   Style style);
  ~ProgressReporter();  // stop()s
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Draws a last time (the bar ends with a newline) and joins the thread. Idempotent.
  void stop();

 private:
  void run(std::stop_token stop);

  std::function<SendCounts()> sample_;
  std::optional<std::uint64_t> total_;
  Style style_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;
};

}  // namespace eventsink
