#include "benchmarks/sink_progress.hpp"

#include <thread>

#include <pqxx/pqxx>

#include "benchmarks/progress_series.hpp"

namespace eventsink::bench {
namespace {

constexpr const char* kRecordsCounted =
    "SELECT (SELECT coalesce(sum(received), 0) FROM topic_stats)"
    " + (SELECT count(*) FROM dead_letters)";
constexpr const char* kRows = "SELECT count(*) FROM events";

}  // namespace

WatchResult watch_sink(const WatchSettings& settings) {
  pqxx::connection connection(settings.database_url);
  const char* query = settings.count == SinkCount::kRecordsCounted ? kRecordsCounted : kRows;
  ProgressSeries series(settings.series_path);
  WatchResult result;
  const auto give_up = std::chrono::steady_clock::now() + settings.timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    const auto next_poll = std::chrono::steady_clock::now() + settings.interval;
    {
      pqxx::nontransaction poll(connection);
      result.count = poll.exec1(query)[0].as<std::uint64_t>();
    }
    const double observed_at = unix_seconds();
    if (result.count > 0 && !result.first_moved) {
      result.first_moved = observed_at;
    }
    if (result.count >= settings.target) {
      result.reached = true;
      result.reached_at = observed_at;
      series.sample(result.count);
      return result;
    }
    series.observe(result.count);
    std::this_thread::sleep_until(next_poll);
  }
  series.sample(result.count);
  return result;
}

}  // namespace eventsink::bench
