// GET /events?topic=&limit=&after=: the stored events, most recently stored first.
//
//   {"events":[{"id":42,"topic":"order.created","event_id":"o-1",
//               "timestamp":"2024-05-01T12:00:00.250000Z","source":"shop",
//               "payload":{...},"kafka_topic":"events","kafka_partition":3,"kafka_offset":17,
//               "processed_at":"2024-05-01T12:00:01.003000Z"}, ...],
//    "next":"41"}
//
// Timestamps are ISO-8601 in UTC with microseconds, as events are written everywhere else.
// `next` is the cursor for the following page (pass it as `after`), or null on the last page.
// The order and the paging rules are those of consumer/events_query.hpp. A bad query is answered
// 400 {"status":"rejected","error":"..."}; an unreachable database 503.
//
// Thread-safety: handle() may be called from any number of threads concurrently.
#pragma once

#include "consumer/http/connection_pool.hpp"
#include "consumer/http/http_server.hpp"

namespace eventsink {

class EventsEndpoint {
 public:
  explicit EventsEndpoint(ConnectionPool& database);

  HttpResponse handle(const HttpRequest& request);

 private:
  ConnectionPool& database_;
};

}  // namespace eventsink
