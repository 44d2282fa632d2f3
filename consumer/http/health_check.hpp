// GET /health: is this service able to do its job right now?
//
// Healthy means PostgreSQL answers a query and a Kafka broker answers a metadata request, each
// within a short deadline. The answer is computed per request (a health check that reports
// cached state hides outages), but requests are serialized so a burst of probes costs one
// connection.
//
// Thread-safety: check() may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <pqxx/pqxx>

#include "common/kafka_handles.hpp"

namespace eventsink {

struct HealthReport {
  bool healthy = false;
  std::string database_error;  // empty when connected
  std::string kafka_error;     // empty when connected

  std::string to_json(std::chrono::seconds uptime) const;
};

class HealthCheck {
 public:
  HealthCheck(std::string database_url, const std::string& brokers);
  ~HealthCheck();

  HealthReport check();

 private:
  std::string check_database();
  std::string check_kafka();

  std::mutex mutex_;
  std::string database_url_;
  std::unique_ptr<pqxx::connection> database_;
  kafka::ClientHandle kafka_;
};

}  // namespace eventsink
