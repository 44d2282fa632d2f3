#include "producer/termination_signals.hpp"

#include <atomic>

#include <pthread.h>

namespace eventsink {
namespace {

// Written only by the handler (lock-free atomics are async-signal-safe), read by anyone.
std::atomic<int> first_signal = 0;
std::atomic<int> signal_count = 0;
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void record_signal(int signal) {
  int none = 0;
  first_signal.compare_exchange_strong(none, signal);
  signal_count.fetch_add(1);
}

sigset_t termination_set() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

TerminationSignals::TerminationSignals() {
  first_signal = 0;
  signal_count = 0;
  const sigset_t signals = termination_set();
  pthread_sigmask(SIG_BLOCK, &signals, &previous_mask_);
}

TerminationSignals::~TerminationSignals() {
  if (listening_) {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void TerminationSignals::listen() {
  struct sigaction action {};
  action.sa_handler = &record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read returns, and the session sees the stop
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
  listening_ = true;
  const sigset_t signals = termination_set();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
}

int TerminationSignals::first() const {
  return first_signal.load();
}

int TerminationSignals::count() const {
  return signal_count.load();
}

}  // namespace eventsink
