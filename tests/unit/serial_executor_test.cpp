#include "consumer/serial_executor.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

TEST(SerialExecutor, RunsJobsOneAtATimeInSubmissionOrder) {
  std::vector<int> order;  // written by the jobs only; read after every future is ready
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  std::vector<std::future<void>> done;
  {
    SerialExecutor executor;
    for (int i = 0; i < 200; ++i) {
      done.push_back(executor.submit([&, i] {
        overlapped = overlapped || running.fetch_add(1) != 0;
        order.push_back(i);
        running.fetch_sub(1);
      }));
    }
    for (auto& future : done) {
      future.get();
    }
  }
  EXPECT_FALSE(overlapped);
  ASSERT_EQ(order.size(), 200U);
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  }
}

TEST(SerialExecutor, ReturnsWhatTheJobReturnsAndRunsItOnAnotherThread) {
  SerialExecutor executor;
  auto future = executor.submit([] { return std::this_thread::get_id(); });
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST(SerialExecutor, AJobsExceptionReachesItsFutureAndLaterJobsStillRun) {
  SerialExecutor executor;
  auto failing = executor.submit([]() -> int { throw std::runtime_error("database gone"); });
  auto next = executor.submit([] { return 7; });
  EXPECT_THROW(failing.get(), std::runtime_error);
  EXPECT_EQ(next.get(), 7);
}

TEST(SerialExecutor, DestructorRunsTheJobsAlreadySubmitted) {
  std::atomic<int> ran{0};
  std::promise<void> release;
  auto released = release.get_future().share();
  {
    SerialExecutor executor;
    // The first job holds the thread until every job is queued: released just before the
    // destructor begins, it leaves nearly all of them still queued then.
    static_cast<void>(executor.submit([released] { released.wait(); }));
    for (int i = 0; i < 50; ++i) {
      static_cast<void>(executor.submit([&ran] { ran.fetch_add(1); }));
    }
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace eventsink
