#include "consumer/http/health_check.hpp"

#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/kafka_config.hpp"
#include "consumer/connection_check.hpp"

namespace eventsink {
namespace {

constexpr int kKafkaTimeoutMs = 2000;

}  // namespace

std::string HealthReport::to_json(std::chrono::seconds uptime) const {
  nlohmann::json body = {
      {"status", healthy ? "healthy" : "unhealthy"},
      {"database", database_error.empty() ? "connected" : "disconnected"},
      {"kafka", kafka_error.empty() ? "connected" : "disconnected"},
      {"uptime_seconds", uptime.count()},
  };
  if (!database_error.empty()) {
    body["database_error"] = database_error;
  }
  if (!kafka_error.empty()) {
    body["kafka_error"] = kafka_error;
  }
  return body.dump();
}

HealthCheck::HealthCheck(std::string database_url, const std::string& brokers)
    : database_url_(std::move(database_url)) {
  // A producer handle is the cheapest librdkafka client: it joins no group and fetches nothing.
  auto conf = kafka::make_conf({{"bootstrap.servers", brokers}, {"client.id", "eventsink-health"}});
  std::array<char, 512> error{};
  kafka_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error.data(), error.size()));
  if (!kafka_) {
    throw std::runtime_error(std::string("cannot create Kafka client for health checks: ") +
                             error.data());
  }
  conf.release();
}

HealthCheck::~HealthCheck() = default;

HealthReport HealthCheck::check() {
  std::lock_guard lock(mutex_);
  HealthReport report;
  report.database_error = check_database();
  report.kafka_error = check_kafka();
  report.healthy = report.database_error.empty() && report.kafka_error.empty();
  return report;
}

std::string HealthCheck::check_database() {
  try {
    if (!database_ || !connection_still_open(*database_)) {
      database_.reset();
      database_ = std::make_unique<pqxx::connection>(database_url_);
    }
    pqxx::nontransaction query(*database_);
    query.exec1("SELECT 1");
    return {};
  } catch (const std::exception& error) {
    database_.reset();
    return error.what();
  }
}

std::string HealthCheck::check_kafka() {
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto error =
      rd_kafka_metadata(kafka_.get(), /*all_topics=*/0, nullptr, &metadata, kKafkaTimeoutMs);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafka::error_text(error);
  }
  const bool has_brokers = metadata->broker_cnt > 0;
  rd_kafka_metadata_destroy(metadata);
  return has_brokers ? std::string() : "no broker in metadata";
}

}  // namespace eventsink
