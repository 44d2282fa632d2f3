// Where the project's servers are, read from the environment.
//
// The variables and their defaults are the same as in scripts/env.sh, so a binary started by hand
// talks to the local stack the scripts started. Command-line flags override them.
#pragma once

#include <string>
#include <string_view>

namespace eventsink {

struct Endpoints {
  std::string brokers;         // EVENTSINK_BROKERS
  std::string database_url;    // EVENTSINK_DATABASE_URL
  std::string kafka_topic;     // EVENTSINK_KAFKA_TOPIC
  std::string group;           // EVENTSINK_GROUP
  std::string prometheus_url;  // EVENTSINK_PROMETHEUS_URL
  int http_port = 0;           // EVENTSINK_HTTP_PORT
};

// Reads the environment; unset or empty variables take the local stack's defaults.
// Throws std::invalid_argument naming the variable when a value is malformed.
Endpoints endpoints_from_environment();

// The value of environment variable `name`, or `fallback` when it is unset or empty.
std::string env_or(const char* name, std::string_view fallback);

// Strips the password from a libpq URL or key=value string so it can be logged.
std::string redact_database_url(std::string_view url);

}  // namespace eventsink
