// Where a batch's PostgreSQL transaction spent its time.
//
// Measured by the client around each step, so every phase holds its round trips and whatever the
// server waited on meanwhile (a row lock, the WAL flush, a CPU): the split says which step to look
// at when a transaction is slow, not why. A plain value; safe to copy between threads.
#pragma once

#include <chrono>

namespace eventsink {

struct TransactionPhases {
  std::chrono::duration<double> offsets{};  // BEGIN and the conditional offset updates
  std::chrono::duration<double> events{};   // staging, the insert, statistics, dead letters
  std::chrono::duration<double> commit{};   // COMMIT: the WAL flush, and waiting for it
};

}  // namespace eventsink
