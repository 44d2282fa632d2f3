// GET /stats: what the sink has counted, read from PostgreSQL.
//
//   {"received":R,"unique_processed":U,"duplicate_dropped":D,
//    "topics":{"<topic>":{"received":…,"unique_processed":…,"duplicate_dropped":…}},
//    "dead_lettered":X,"uptime_seconds":S}
//
// The numbers come from the topic_stats and dead_letters tables, read in one snapshot, so every
// replica of the service answers the same and received = unique_processed + duplicate_dropped
// always holds (per topic and in total). uptime_seconds is this process's. When PostgreSQL
// cannot be reached the answer is 503 {"status":"unavailable","error":"..."}.
//
// Thread-safety: handle() may be called from any number of threads concurrently.
#pragma once

#include <chrono>

#include "consumer/http/connection_pool.hpp"
#include "consumer/http/http_server.hpp"

namespace eventsink {

class StatsEndpoint {
 public:
  StatsEndpoint(ConnectionPool& database, std::chrono::steady_clock::time_point started);

  HttpResponse handle(const HttpRequest& request);

 private:
  ConnectionPool& database_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace eventsink
