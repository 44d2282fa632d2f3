// Process-wide logging set-up (spdlog).
#pragma once

#include <string_view>

namespace eventsink {

enum class LogFormat { kText, kJson };

// Parses "text" or "json"; throws std::invalid_argument otherwise.
LogFormat parse_log_format(std::string_view text);

// Configures the default spdlog logger: level ("trace".."critical", "off"), format, stderr sink.
// Call once at start-up, before other threads log. Throws std::invalid_argument for a bad level.
void configure_logging(std::string_view level, LogFormat format);

}  // namespace eventsink
