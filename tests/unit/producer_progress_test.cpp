// The progress bar, the summary line and the pacing of records.
#include <gtest/gtest.h>

#include "producer/pacer.hpp"
#include "producer/progress.hpp"

namespace eventsink {
namespace {

TEST(ProducerProgress, SummaryNamesEveryCount) {
  const SendCounts counts{
      .sent = 1000, .acknowledged = 990, .failed = 10, .duplicates = 300, .invalid = 2};
  EXPECT_EQ(render_summary(counts, std::chrono::seconds(2), "lines=1002"),
            "sent=1000 acked=990 failed=10 duplicates=300 invalid=2 elapsed=2.00s rate=495/s "
            "lines=1002");
  const SendCounts unfinished{
      .sent = 10, .acknowledged = 7, .failed = 1, .duplicates = 0, .invalid = 0};
  EXPECT_EQ(render_summary(unfinished, std::chrono::milliseconds(500), ""),
            "sent=10 acked=7 failed=1 duplicates=0 invalid=0 elapsed=0.50s rate=14/s "
            "unconfirmed=2");
}

TEST(ProducerProgress, BarShowsShareOfTheTotalWhenItIsKnown) {
  const SendCounts counts{
      .sent = 60'000, .acknowledged = 50'000, .failed = 0, .duplicates = 0, .invalid = 0};
  EXPECT_EQ(render_progress(counts, 100'000, 12345.6),
            "[############............]  50.0%  50,000/100,000 acked  12,345/s  in flight "
            "10,000  failed 0");
  EXPECT_EQ(render_progress(counts, std::nullopt, 10),
            "50,000 acked  10/s  in flight 10,000  failed 0");
}

TEST(ProducerPacer, SpacesRecordsAtTheRate) {
  Pacer pacer(1000);  // 1 ms apart
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i <= 100; ++i) {
    pacer.wait_turn(i, [] { return false; });
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(99));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1000));
}

TEST(ProducerPacer, AnInterruptionEndsTheWait) {
  Pacer pacer(0.001);  // one record every 1000 s
  const auto start = std::chrono::steady_clock::now();
  pacer.wait_turn(1, [] { return true; });
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  Pacer unlimited(0);
  unlimited.wait_turn(1'000'000, [] { return false; });  // returns at once
}

}  // namespace
}  // namespace eventsink
