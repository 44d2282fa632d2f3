#include "consumer/http_api_options.hpp"

#include <charconv>
#include <stdexcept>

#include "common/settings.hpp"

namespace eventsink {
namespace {

// A positive integer from environment variable `name`, at most `max`; `fallback` when unset.
std::size_t positive_from_environment(const char* name, std::size_t fallback, std::size_t max) {
  const std::string text = env_or(name, std::to_string(fallback));
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 1 || value > max) {
    throw std::invalid_argument(std::string(name) + ": '" + text +
                                "' is not an integer from 1 to " + std::to_string(max));
  }
  return value;
}

}  // namespace

HttpApiOptions http_api_options_from_environment() {
  const HttpApiOptions defaults;
  return HttpApiOptions{
      .max_body_bytes = positive_from_environment("EVENTSINK_HTTP_MAX_BODY_BYTES",
                                                  defaults.max_body_bytes, 256 * 1024 * 1024),
      .max_publish_events = positive_from_environment("EVENTSINK_PUBLISH_MAX_EVENTS",
                                                      defaults.max_publish_events, 100000),
      .publish_token = env_or("EVENTSINK_PUBLISH_TOKEN", ""),
      .publish_timeout = std::chrono::milliseconds(positive_from_environment(
          "EVENTSINK_PUBLISH_TIMEOUT_MS", defaults.publish_timeout.count(), 300000)),
      .database_connections = positive_from_environment("EVENTSINK_HTTP_DATABASE_CONNECTIONS",
                                                        defaults.database_connections, 64),
  };
}

}  // namespace eventsink
