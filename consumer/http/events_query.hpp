// The query of GET /events?topic=&limit=&after=, parsed and checked.
//
// Events are listed newest first, where "newest" means most recently stored: the order of the
// events.id identity column, not of the events' own timestamps (which producers choose and may
// send late). Paging is by cursor: a page ends with the id of its last (oldest) event as `next`,
// and `after=<next>` continues with the events stored before it. Unlike offsets, a cursor stays
// valid while new events arrive: no event is skipped or repeated.
//
// Thread-safety: pure functions; call them from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "consumer/http/http_server.hpp"

namespace eventsink {

struct EventsQuery {
  static constexpr int kDefaultLimit = 100;
  static constexpr int kMaxLimit = 1000;

  std::optional<std::string> topic;   // only events of this event topic; nullopt: all topics
  int limit = kDefaultLimit;          // 1..kMaxLimit events per page
  std::optional<std::int64_t> after;  // only events with id < after; nullopt: from the newest
};

// Why a query is refused: a message for the 400 answer.
struct EventsQueryError {
  std::string message;
};

// Reads `topic`, `limit` and `after` from the request's query string (URL-decoded); other
// parameters are ignored. Refused: an empty topic, a limit that is not an integer 1..1000, a
// cursor that is not one this API returned (a positive decimal integer).
std::variant<EventsQuery, EventsQueryError> parse_events_query(const HttpRequest& request);

// The cursor that continues after an event with this id (the `next` of a page).
std::string events_cursor(std::int64_t id);

}  // namespace eventsink
