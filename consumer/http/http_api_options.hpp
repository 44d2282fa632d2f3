// The HTTP API's own settings (flags and environment variables: consumer/consumer_config.cpp).
//
// Kept apart from HttpApi so that configuration code can hold them without the API's
// dependencies.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace eventsink {

struct HttpApiOptions {
  std::size_t max_body_bytes = 1024 * 1024;          // EVENTSINK_HTTP_MAX_BODY_BYTES; larger: 413
  std::size_t max_publish_events = 1000;             // EVENTSINK_PUBLISH_MAX_EVENTS; more: 413
  std::string publish_token;                         // EVENTSINK_PUBLISH_TOKEN; empty: no auth
  std::chrono::milliseconds publish_timeout{10000};  // EVENTSINK_PUBLISH_TIMEOUT_MS
  std::size_t database_connections = 4;              // EVENTSINK_HTTP_DATABASE_CONNECTIONS
};

}  // namespace eventsink
