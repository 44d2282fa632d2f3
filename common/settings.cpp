#include "common/settings.hpp"

#include <charconv>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace eventsink {

std::string env_or(const char* name, std::string_view fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::string(fallback);
  }
  return value;
}

namespace {

int port_from_environment(const char* name, int fallback) {
  const std::string text = env_or(name, std::to_string(fallback));
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc{} || end != text.data() + text.size() || port < 1 || port > 65535) {
    throw std::invalid_argument(std::string(name) + ": '" + text + "' is not a TCP port (1-65535)");
  }
  return port;
}

}  // namespace

Endpoints endpoints_from_environment() {
  return Endpoints{
      .brokers = env_or("EVENTSINK_BROKERS", "127.0.0.1:9092"),
      .database_url =
          env_or("EVENTSINK_DATABASE_URL", "postgresql://eventsink@127.0.0.1:5432/eventsink"),
      .kafka_topic = env_or("EVENTSINK_KAFKA_TOPIC", "events"),
      .group = env_or("EVENTSINK_GROUP", "eventsink"),
      .prometheus_url = env_or("EVENTSINK_PROMETHEUS_URL", "http://127.0.0.1:9090"),
      .http_port = port_from_environment("EVENTSINK_HTTP_PORT", 8080),
  };
}

std::string redact_database_url(std::string_view url) {
  // URL form: scheme://user:password@host...; key=value form: password=secret.
  static const std::regex url_password(R"(^([a-z]+://[^:/@]*):[^@]*@)");
  static const std::regex keyword_password(R"((password\s*=\s*)('[^']*'|\S+))");
  std::string text(url);
  text = std::regex_replace(text, url_password, "$1:***@");
  return std::regex_replace(text, keyword_password, "$1***");
}

}  // namespace eventsink
