// Runs jobs one at a time, in the order they were submitted, on a thread of its own.
//
// A worker hands it each batch's database transaction, so that PostgreSQL commits one batch while
// the worker reads and parses the next from Kafka (see worker.hpp). One thread per worker, not a
// pool: a worker's batches must commit in order, on its one connection.
//
// Thread-safety: submit() may be called from any thread. A job runs on the executor's thread; its
// result or exception reaches the caller through the returned future, whose get() also makes
// everything the job wrote visible to the caller. The destructor runs the jobs already submitted,
// then joins: whatever a job uses must outlive the executor.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>

namespace eventsink {

class SerialExecutor {
 public:
  SerialExecutor();
  ~SerialExecutor();
  SerialExecutor(const SerialExecutor&) = delete;
  SerialExecutor& operator=(const SerialExecutor&) = delete;

  // Queues `job` behind the jobs submitted before it; the future holds what it returns or throws.
  // `then` runs on the executor's thread once the future is ready, whether the job returned or
  // threw: it may tell the thread that will collect the result (which then finds it ready). It
  // must not throw.
  template <typename Job, typename Then = void (*)()>
  std::future<std::invoke_result_t<Job&>> submit(
      Job job, Then then = [] {}) {
    // std::function needs a copyable target and a packaged_task is move-only: share it.
    auto task = std::make_shared<std::packaged_task<std::invoke_result_t<Job&>()>>(std::move(job));
    auto future = task->get_future();
    enqueue([task, then = std::move(then)]() mutable {
      (*task)();
      then();
    });
    return future;
  }

 private:
  void enqueue(std::function<void()> job);
  void run(std::stop_token stop);

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<std::function<void()>> jobs_;  // guarded by mutex_
  std::jthread thread_;                     // last: starts after, and stops before, the rest
};

}  // namespace eventsink
