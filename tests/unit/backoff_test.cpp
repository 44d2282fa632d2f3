#include "consumer/backoff.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(Backoff, WaitsAtLeastHalfTheDelayAndReportsNotStopped) {
  Backoff backoff(40ms, 1000ms);
  std::stop_source stop;
  const auto started = Clock::now();
  EXPECT_TRUE(backoff.wait(stop.get_token()));
  EXPECT_GE(Clock::now() - started, 20ms);
}

TEST(Backoff, DelayDoublesUpToTheMaximum) {
  Backoff backoff(10ms, 40ms);
  std::stop_source stop;
  for (int i = 0; i < 4; ++i) {
    backoff.wait(stop.get_token());  // 10, 20, 40, 40 (each drawn from its upper half)
  }
  const auto started = Clock::now();
  backoff.wait(stop.get_token());
  const auto waited = Clock::now() - started;
  EXPECT_GE(waited, 20ms);
  EXPECT_LT(waited, 1000ms) << "capped at the maximum";
}

TEST(Backoff, StopRequestedBeforehandReturnsFalseAtOnce) {
  Backoff backoff(10s, 10s);
  std::stop_source stop;
  stop.request_stop();
  const auto started = Clock::now();
  EXPECT_FALSE(backoff.wait(stop.get_token()));
  EXPECT_LT(Clock::now() - started, 1s);
}

TEST(Backoff, StopRequestedDuringTheWaitWakesItEarly) {
  Backoff backoff(10s, 10s);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(50ms);  // the stop request must arrive while wait() sleeps
    stop.request_stop();
  });
  const auto started = Clock::now();
  EXPECT_FALSE(backoff.wait(stop.get_token()));
  EXPECT_LT(Clock::now() - started, 5s);
}

}  // namespace
}  // namespace eventsink
