#include "consumer/http/events_endpoint.hpp"

#include <chrono>
#include <cstdint>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/event.hpp"
#include "consumer/http/events_query.hpp"

namespace eventsink {
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Times leave PostgreSQL as microseconds since the Unix epoch and are printed by
// format_timestamp, the one formatter of event times.
std::string iso_8601(const pqxx::field& epoch_microseconds) {
  return format_timestamp(
      EventTime(std::chrono::microseconds(epoch_microseconds.as<std::int64_t>())));
}

// Fetches one row more than the page holds: its presence is what says a next page exists.
//
// The page comes from events_topic_id (topic, id) alone: for each topic, the ids of its newest
// rows older than the cursor, at most a page of them (`newest`, read from the index); the newest
// of all those; then those rows, each found again by (topic, id). With a topic that is the one
// topic. Without one, `topics` walks the index from each topic to the next (a descent per topic;
// PostgreSQL 15 does not skip through an index by itself). So a page reads at most a page of
// index entries per topic and a page of rows, never a scan of the table; with thousands of topics,
// listing one topic is the fast way. There is no index on id alone: every insert would pay for it
// (sql/migrations/0004_events_indexes_for_writers.sql).
constexpr const char* kPageQuery = R"(
WITH RECURSIVE topics (topic) AS (
    SELECT coalesce($1::text, (SELECT min(topic) FROM events))
  UNION ALL
    SELECT (SELECT min(e.topic) FROM events e WHERE e.topic > t.topic)
      FROM topics t
     WHERE t.topic IS NOT NULL AND $1::text IS NULL
), newest AS (
    SELECT t.topic, n.id
      FROM topics t
     CROSS JOIN LATERAL (
         SELECT id FROM events
          WHERE events.topic = t.topic AND ($2::bigint IS NULL OR events.id < $2::bigint)
          ORDER BY events.id DESC
          LIMIT $3
     ) n
     ORDER BY n.id DESC
     LIMIT $3
)
SELECT e.id, e.topic, e.event_id, (extract(epoch FROM e.event_time) * 1000000)::bigint, e.source,
       e.payload::text, e.kafka_topic, e.kafka_partition, e.kafka_offset,
       (extract(epoch FROM e.processed_at) * 1000000)::bigint
FROM newest n
JOIN events e ON e.topic = n.topic AND e.id = n.id
ORDER BY e.id DESC)";

}  // namespace

EventsEndpoint::EventsEndpoint(ConnectionPool& database) : database_(database) {}

HttpResponse EventsEndpoint::handle(const HttpRequest& request) {
  const auto parsed = parse_events_query(request);
  if (const auto* error = std::get_if<EventsQueryError>(&parsed)) {
    return HttpResponse::json(400, dump({{"status", "rejected"}, {"error", error->message}}));
  }
  const auto& query = std::get<EventsQuery>(parsed);

  Json events = Json::array();
  Json next = nullptr;
  try {
    database_.run([&](pqxx::connection& connection) {
      events = Json::array();
      next = nullptr;
      pqxx::read_transaction tx(connection);
      const auto rows = tx.exec_params(kPageQuery, query.topic, query.after, query.limit + 1);
      for (const auto& row : rows) {
        if (static_cast<int>(events.size()) == query.limit) {
          next = events_cursor(events.back()["id"].get<std::int64_t>());
          break;
        }
        events.push_back({
            {"id", row[0].as<std::int64_t>()},
            {"topic", row[1].as<std::string>()},
            {"event_id", row[2].as<std::string>()},
            {"timestamp", iso_8601(row[3])},
            {"source", row[4].as<std::string>()},
            {"payload", Json::parse(row[5].as<std::string>())},
            {"kafka_topic", row[6].as<std::string>()},
            {"kafka_partition", row[7].as<std::int32_t>()},
            {"kafka_offset", row[8].as<std::int64_t>()},
            {"processed_at", iso_8601(row[9])},
        });
      }
      tx.commit();
    });
  } catch (const pqxx::failure& error) {  // connection lost, query refused or timed out
    spdlog::warn("GET /events: database unavailable: {}", error.what());
    return HttpResponse::json(
        503, dump({{"status", "unavailable"},
                   {"error", std::string("database unavailable: ") + error.what()}}));
  } catch (const std::runtime_error& error) {  // no free connection
    spdlog::warn("GET /events: {}", error.what());
    return HttpResponse::json(503, dump({{"status", "unavailable"}, {"error", error.what()}}));
  }
  return HttpResponse::json(200, dump({{"events", std::move(events)}, {"next", std::move(next)}}));
}

}  // namespace eventsink
