#include "common/logging.hpp"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "common/event.hpp"

namespace eventsink {
namespace {

// One JSON object per line, every string properly escaped, so log shippers can parse any
// message, whatever it quotes (record contents in dead-letter warnings, SQL errors).
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override {
    const nlohmann::ordered_json line = {
        {"time",
         format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(message.time))},
        {"level", std::string_view(spdlog::level::to_string_view(message.level).data(),
                                   spdlog::level::to_string_view(message.level).size())},
        {"thread", message.thread_id},
        {"message", std::string_view(message.payload.data(), message.payload.size())},
    };
    // Invalid UTF-8 in a message is replaced rather than thrown: a log line must never fail.
    const std::string text =
        line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out.append(text.data(), text.data() + text.size());
    out.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

LogFormat parse_log_format(std::string_view text) {
  if (text == "text") {
    return LogFormat::kText;
  }
  if (text == "json") {
    return LogFormat::kJson;
  }
  throw std::invalid_argument("log format '" + std::string(text) + "' is not 'text' or 'json'");
}

void configure_logging(std::string_view level, LogFormat format) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str maps anything unknown to "off"; only accept "off" when it was asked for.
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("log level '" + std::string(level) +
                                "' is not one of trace, debug, info, warn, error, critical, off");
  }
  auto logger = spdlog::stderr_color_mt("eventsink");
  logger->set_level(parsed);
  if (format == LogFormat::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%t] %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace eventsink
