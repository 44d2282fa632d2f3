// The consumer service's configuration: flags, environment variables, and their validation.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "common/kafka_config.hpp"
#include "common/logging.hpp"
#include "consumer/http/http_api_options.hpp"
#include "consumer/known_identities.hpp"

namespace eventsink {

struct ConsumerConfig {
  std::string brokers;
  std::string group;
  std::vector<std::string> topics;  // Kafka topics; "^regex" subscribes by pattern
  std::string database_url;
  int workers = 1;
  // Measured on 2 cores (README "Performance"): 5000 records per transaction is within a few per
  // cent of PostgreSQL's best batch size; a 10 ms linger keeps p99 end-to-end latency well under
  // 100 ms at moderate rates and costs nothing under load, when batches fill at once.
  std::size_t batch_records = 5000;
  std::chrono::milliseconds batch_linger{10};
  // The filter of stored identities (known_identities.hpp): 8 MiB hold about 6.7 million with 1 %
  // false positives. 0 turns it off: every event is then conflict-checked.
  std::size_t known_identities_mib = KnownIdentities::kDefaultMib;
  // A transaction this long is worth a warning in production; 0 turns the log off.
  std::chrono::milliseconds slow_transaction{1000};
  int http_port = 8080;
  std::string http_address = "0.0.0.0";
  kafka::Properties kafka_overrides;  // -X key=value, applied last
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
  bool migrate_only = false;
  std::string instance;  // names this process in logs, client.id and partition claims
  HttpApiOptions api;
};

// What parse_consumer_command_line decided.
struct CommandLine {
  std::optional<ConsumerConfig> config;  // nullopt: exit with `exit_code` (help, or an error)
  int exit_code = 0;
};

// Parses flags, falling back to the EVENTSINK_* environment variables and then to the defaults.
// Prints help or a message naming the bad setting, as CLI11 does.
CommandLine parse_consumer_command_line(int argc, char** argv);

// Throws kafka::ConfigError naming the first invalid setting.
void validate(const ConsumerConfig& config);

// The librdkafka properties for worker `index`: the sink's defaults, then the -X overrides.
kafka::Properties consumer_properties(const ConsumerConfig& config, int index);

}  // namespace eventsink
