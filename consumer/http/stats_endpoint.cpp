#include "consumer/http/stats_endpoint.hpp"

#include <cstdint>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace eventsink {
namespace {

using Json = nlohmann::ordered_json;

struct Counts {
  std::int64_t received = 0;
  std::int64_t unique = 0;
  std::int64_t duplicates = 0;

  Json to_json() const {
    return Json{
        {"received", received}, {"unique_processed", unique}, {"duplicate_dropped", duplicates}};
  }
};

HttpResponse unavailable(const std::string& error) {
  return HttpResponse::json(503, Json{{"status", "unavailable"}, {"error", error}}.dump(
                                     -1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

StatsEndpoint::StatsEndpoint(ConnectionPool& database,
                             std::chrono::steady_clock::time_point started)
    : database_(database), started_(started) {}

HttpResponse StatsEndpoint::handle(const HttpRequest& /*request*/) {
  Counts total;
  Json topics = Json::object();
  std::int64_t dead_lettered = 0;
  try {
    database_.run([&](pqxx::connection& connection) {
      total = {};
      topics = Json::object();
      // One snapshot for both tables: the numbers belong to the same moment.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection);
      for (const auto& row :
           tx.exec_params("SELECT topic, received, unique_events, duplicates FROM topic_stats "
                          "ORDER BY topic")) {
        const Counts counts{.received = row[1].as<std::int64_t>(),
                            .unique = row[2].as<std::int64_t>(),
                            .duplicates = row[3].as<std::int64_t>()};
        topics[row[0].as<std::string>()] = counts.to_json();
        total.received += counts.received;
        total.unique += counts.unique;
        total.duplicates += counts.duplicates;
      }
      dead_lettered = tx.exec_params1("SELECT count(*) FROM dead_letters")[0].as<std::int64_t>();
      tx.commit();
    });
  } catch (const pqxx::failure& error) {  // connection lost, query refused or timed out
    spdlog::warn("GET /stats: database unavailable: {}", error.what());
    return unavailable(std::string("database unavailable: ") + error.what());
  } catch (const std::runtime_error& error) {  // no free connection
    spdlog::warn("GET /stats: {}", error.what());
    return unavailable(error.what());
  }

  Json body = total.to_json();
  body["topics"] = std::move(topics);
  body["dead_lettered"] = dead_lettered;
  body["uptime_seconds"] =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
          .count();
  return HttpResponse::json(200, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace eventsink
