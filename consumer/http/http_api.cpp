#include "consumer/http/http_api.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

namespace eventsink {
namespace {

using Clock = std::chrono::steady_clock;

bool is_pattern(const std::string& topic) {
  return topic.starts_with('^');
}

}  // namespace

HttpApi::HttpApi(const ConsumerConfig& config, const HttpApiOptions& options,
                 prometheus::Registry& registry, HealthCheck& health, Clock::time_point started)
    : registry_(registry),
      health_(health),
      started_(started),
      probe_(registry),
      database_(config.database_url,
                ConnectionPoolOptions{.size = options.database_connections,
                                      .acquire_timeout = std::chrono::seconds(5),
                                      .statement_timeout = std::chrono::seconds(5)}),
      stats_(database_, started),
      events_(database_) {
  const std::string& topic = config.topics.front();
  if (is_pattern(topic)) {
    spdlog::warn(
        "POST /publish is disabled: the first --topic '{}' is a pattern, not a topic to "
        "produce to",
        topic);
  } else {
    publish_ = std::make_unique<PublishEndpoint>(
        PublishOptions{.brokers = config.brokers,
                       .connection = kafka::connection_properties(config.kafka_overrides),
                       .kafka_topic = topic,
                       .max_events = options.max_publish_events,
                       .token = options.publish_token,
                       .ack_timeout = options.publish_timeout,
                       .broker_check_timeout = std::chrono::seconds(2)},
        probe_);
  }
  spdlog::info("POST /publish: topic '{}', at most {} events and {} bytes per request, {}", topic,
               options.max_publish_events, options.max_body_bytes,
               options.publish_token.empty() ? "no authentication" : "bearer token required");
}

HttpApi::~HttpApi() = default;

void HttpApi::install(HttpServer& server) {
  server.route("POST", "/publish", instrumented("/publish", [this](const HttpRequest& request) {
                 if (!publish_) {
                   return HttpResponse::json(
                       501, R"({"status":"unavailable","error":"POST /publish needs a Kafka )"
                            R"(topic to produce to; the first --topic is a pattern"})");
                 }
                 return publish_->handle(request);
               }));
  server.route("GET", "/events", instrumented("/events", [this](const HttpRequest& request) {
                 return events_.handle(request);
               }));
  server.route("GET", "/stats", instrumented("/stats", [this](const HttpRequest& request) {
                 return stats_.handle(request);
               }));
  server.route("GET", "/health", instrumented("/health", [this](const HttpRequest&) {
                 const auto report = health_.check();
                 const auto uptime =
                     std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_);
                 return HttpResponse::json(report.healthy ? 200 : 503, report.to_json(uptime));
               }));
  server.route("GET", "/metrics", instrumented("/metrics", [this](const HttpRequest&) {
                 return HttpResponse{
                     .status = 200,
                     .body = prometheus::TextSerializer().Serialize(registry_.Collect()),
                     .content_type = "text/plain; version=0.0.4; charset=utf-8",
                     .headers = {}};
               }));
}

HttpServer::Handler HttpApi::instrumented(std::string endpoint, HttpServer::Handler handler) {
  return [this, endpoint = std::move(endpoint),
          handler = std::move(handler)](const HttpRequest& request) {
    const auto start = Clock::now();
    try {
      auto response = handler(request);
      probe_.request_served(endpoint, response.status, Clock::now() - start);
      return response;
    } catch (...) {
      probe_.request_served(endpoint, 500, Clock::now() - start);  // HttpServer answers 500
      throw;
    }
  };
}

}  // namespace eventsink
