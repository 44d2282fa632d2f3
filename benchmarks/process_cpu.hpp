// CPU time a process has used, from /proc: the benchmark's load-independent measure of cost.
//
// On a machine shared with other work, events per second move with the load; CPU seconds per
// event hardly do. The benchmark reports both, for the consumer and for the PostgreSQL backends
// serving it (read from /proc/<backend pid>, so only when the database runs on this machine).
#pragma once

#include <optional>

namespace eventsink::bench {

// User plus system CPU seconds of process `pid` (all its threads) so far; nullopt when /proc does
// not show it (no such process, or another machine's).
std::optional<double> cpu_seconds_of(int pid);

}  // namespace eventsink::bench
