#include "producer/progress.hpp"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace eventsink {
namespace {

constexpr auto kBarInterval = std::chrono::milliseconds(250);
constexpr auto kLogInterval = std::chrono::seconds(5);
constexpr int kBarWidth = 24;

// 1234567 -> "1,234,567"
std::string grouped(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string render_progress(const SendCounts& counts, std::optional<std::uint64_t> total,
                            double records_per_second) {
  std::string line;
  if (total && *total > 0) {
    const double done = std::min(1.0, double(counts.acknowledged) / double(*total));
    const int filled = static_cast<int>(done * kBarWidth);
    line = fmt::format("[{}{}] {:5.1f}%  {}/{} acked", std::string(filled, '#'),
                       std::string(kBarWidth - filled, '.'), done * 100.0,
                       grouped(counts.acknowledged), grouped(*total));
  } else {
    line = fmt::format("{} acked", grouped(counts.acknowledged));
  }
  line += fmt::format("  {}/s  in flight {}  failed {}",
                      grouped(static_cast<std::uint64_t>(records_per_second)),
                      grouped(counts.in_flight()), grouped(counts.failed));
  return line;
}

std::string render_summary(const SendCounts& counts, std::chrono::duration<double> elapsed,
                           const std::string& extra) {
  const double seconds = elapsed.count();
  const double rate = seconds > 0 ? double(counts.acknowledged) / seconds : 0.0;
  std::string summary = fmt::format(
      "sent={} acked={} failed={} duplicates={} invalid={} elapsed={:.2f}s rate={:.0f}/s",
      counts.sent, counts.acknowledged, counts.failed, counts.duplicates, counts.invalid, seconds,
      rate);
  if (counts.in_flight() > 0) {
    summary += fmt::format(" unconfirmed={}", counts.in_flight());
  }
  if (!extra.empty()) {
    summary += ' ';
    summary += extra;
  }
  return summary;
}

ProgressReporter::Style ProgressReporter::style_for_stderr() {
  return isatty(STDERR_FILENO) != 0 ? Style::kTerminalBar : Style::kLogLines;
}

ProgressReporter::ProgressReporter(std::function<SendCounts()> sample,
                                   std::optional<std::uint64_t> total, Style style)
    : sample_(std::move(sample)),
      total_(total),
      style_(style),
      thread_([this](std::stop_token stop) { run(stop); }) {}

ProgressReporter::~ProgressReporter() {
  stop();
}

void ProgressReporter::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void ProgressReporter::run(std::stop_token stop) {
  const auto interval = style_ == Style::kTerminalBar
                            ? std::chrono::duration_cast<std::chrono::milliseconds>(kBarInterval)
                            : std::chrono::duration_cast<std::chrono::milliseconds>(kLogInterval);
  auto last_time = std::chrono::steady_clock::now();
  std::uint64_t last_acknowledged = 0;
  double rate = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, interval, [] { return false; });
    }
    const auto now = std::chrono::steady_clock::now();
    const SendCounts counts = sample_();
    const double seconds = std::chrono::duration<double>(now - last_time).count();
    if (seconds > 0) {
      rate = double(counts.acknowledged - last_acknowledged) / seconds;
    }
    last_time = now;
    last_acknowledged = counts.acknowledged;
    const bool last = stop.stop_requested();
    if (style_ == Style::kTerminalBar) {
      // \r and "erase to end of line" redraw in place; the last drawing keeps its line.
      std::fprintf(stderr, "\r%s\x1b[K%s", render_progress(counts, total_, rate).c_str(),
                   last ? "\n" : "");
      std::fflush(stderr);
    } else if (!last) {
      spdlog::info("progress: sent={} acked={} failed={} in_flight={} rate={:.0f}/s", counts.sent,
                   counts.acknowledged, counts.failed, counts.in_flight(), rate);
    }
    if (last) {
      return;
    }
  }
}

}  // namespace eventsink
