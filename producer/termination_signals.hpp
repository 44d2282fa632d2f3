// SIGINT and SIGTERM for a producing session: they ask it to stop sending, deliver what is in
// flight, write the summary and exit.
//
// Create a TerminationSignals before starting any thread: it blocks both signals in the calling
// thread, so every thread started afterwards (librdkafka's, the progress reporter, the metrics
// server's) inherits the block. listen() then installs a handler and unblocks the signals in the
// calling thread only: a signal is always taken by that thread, where it also interrupts a
// blocking read of standard input (the handler is installed without SA_RESTART).
//
// Only one instance may exist at a time (the handler records into process-wide state).
//
// Thread-safety: first()/count() may be called from any thread; the rest belongs to the thread
// that created the instance.
#pragma once

#include <signal.h>

namespace eventsink {

class TerminationSignals {
 public:
  TerminationSignals();
  ~TerminationSignals();  // restores the previous handlers and signal mask
  TerminationSignals(const TerminationSignals&) = delete;
  TerminationSignals& operator=(const TerminationSignals&) = delete;

  void listen();

  // The first signal received (SIGINT or SIGTERM), or 0 while none has arrived.
  int first() const;
  // How many have arrived; a second one makes the session give up waiting for deliveries.
  int count() const;

 private:
  sigset_t previous_mask_;
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  bool listening_ = false;
};

}  // namespace eventsink
