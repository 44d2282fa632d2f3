// The consumer service's HTTP API: every route, instrumented, on one HttpServer.
//
//   POST /publish   consumer/publish_endpoint.hpp
//   GET  /events    consumer/events_endpoint.hpp
//   GET  /stats     consumer/stats_endpoint.hpp
//   GET  /health    consumer/health_check.hpp
//   GET  /metrics   Prometheus text format of the service's registry
//
// Every route is counted and timed by ApiProbe under its path. The database endpoints share one
// ConnectionPool; POST /publish produces to the first --topic (EVENTSINK_KAFKA_TOPIC). When that
// is a pattern ("^..."), there is no topic to produce to and POST /publish answers 501.
//
// Thread-safety: the routes run on the server's threads concurrently; every part is thread-safe.
// The HttpApi must outlive the HttpServer it is installed on (declare it first).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "consumer/consumer_config.hpp"
#include "consumer/http/api_probe.hpp"
#include "consumer/http/connection_pool.hpp"
#include "consumer/http/events_endpoint.hpp"
#include "consumer/http/health_check.hpp"
#include "consumer/http/http_api_options.hpp"
#include "consumer/http/http_server.hpp"
#include "consumer/http/publish_endpoint.hpp"
#include "consumer/http/stats_endpoint.hpp"

namespace eventsink {

class HttpApi {
 public:
  // Creates the Kafka producer of POST /publish (connecting in the background); opens no
  // database connection yet. `registry`, `health` must outlive the HttpApi.
  HttpApi(const ConsumerConfig& config, const HttpApiOptions& options,
          prometheus::Registry& registry, HealthCheck& health,
          std::chrono::steady_clock::time_point started);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Routes every endpoint on `server`. Call once, right after the server is constructed.
  void install(HttpServer& server);

 private:
  // `handler`, counted and timed under `endpoint`.
  HttpServer::Handler instrumented(std::string endpoint, HttpServer::Handler handler);

  prometheus::Registry& registry_;
  HealthCheck& health_;
  const std::chrono::steady_clock::time_point started_;
  ApiProbe probe_;
  ConnectionPool database_;
  std::unique_ptr<PublishEndpoint> publish_;  // null when there is no topic to produce to
  StatsEndpoint stats_;
  EventsEndpoint events_;
};

}  // namespace eventsink
