#include "consumer/consumer_config.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <CLI/CLI.hpp>
#include <unistd.h>

#include "common/settings.hpp"

namespace eventsink {
namespace {

// The records the workers of one process prefetch from Kafka, together, in KiB; each worker gets
// its share, and no less than librdkafka's message.max.bytes (1 MB), since it sizes each fetch to
// the queue. The records sit in that queue, so it is most of the consumer's memory: librdkafka
// holds about three times the bytes it counts, and a fetch may bring the queue's size again on
// top of it. A small queue is only fast because FetchWaker restarts fetching as soon as a worker
// has made room (librdkafka 2.0.2 alone would wait up to a second). Measured on 2 cores with
// 1,000,000 events: 4 MiB in all kept 1, 2 and 4 workers as fast as 24 MiB did, for a peak RSS
// of 30-65 MB instead of 90-125 MB (README "Performance").
constexpr int kPrefetchBudgetKiB = 4 * 1024;
constexpr int kMinPrefetchKiB = 1024;

std::string default_instance() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) {
    host = {'e', 'v', 'e', 'n', 't', 's', 'i', 'n', 'k'};
  }
  return std::string(host.data()) + "-" + std::to_string(getpid());
}

}  // namespace

CommandLine parse_consumer_command_line(int argc, char** argv) {
  ConsumerConfig config;
  const Endpoints endpoints = endpoints_from_environment();
  config.brokers = endpoints.brokers;
  config.group = endpoints.group;
  config.topics = {endpoints.kafka_topic};
  config.database_url = endpoints.database_url;
  config.http_port = endpoints.http_port;
  config.instance = default_instance();

  CLI::App app{"eventsink-consumer: stores Kafka events in PostgreSQL with exactly-once effect"};
  app.option_defaults()->always_capture_default();
  app.add_option("--brokers", config.brokers, "Kafka bootstrap servers (EVENTSINK_BROKERS)");
  app.add_option("--group", config.group, "Consumer group id (EVENTSINK_GROUP)");
  app.add_option("--topic", config.topics,
                 "Kafka topic to consume; repeat for several; '^regex' for a pattern "
                 "(EVENTSINK_KAFKA_TOPIC)");
  app.add_option("--database-url", config.database_url,
                 "libpq connection URL (EVENTSINK_DATABASE_URL)");
  app.add_option("--workers", config.workers, "Worker threads, each its own group member")
      ->envname("EVENTSINK_WORKERS")
      ->check(CLI::Range(1, 64));
  app.add_option("--batch-size", config.batch_records, "Most records in one transaction")
      ->envname("EVENTSINK_BATCH_SIZE")
      ->check(CLI::Range(1, 1000000));
  int linger_ms = static_cast<int>(config.batch_linger.count());
  app.add_option("--batch-linger-ms", linger_ms,
                 "Longest wait for a batch to fill after its first record")
      ->envname("EVENTSINK_BATCH_LINGER_MS")
      ->check(CLI::Range(0, 60000));
  app.add_option("--known-identities-mib", config.known_identities_mib,
                 "Size of the filter of stored identities, which spares events known to be new "
                 "a conflict check; 0: check every event")
      ->envname("EVENTSINK_KNOWN_IDENTITIES_MIB")
      ->check(CLI::Range(std::size_t{0}, std::size_t{4096}));
  int slow_transaction_ms = static_cast<int>(config.slow_transaction.count());
  app.add_option("--slow-transaction-ms", slow_transaction_ms,
                 "Log every committed transaction at least this long, with its phases; 0: none")
      ->envname("EVENTSINK_SLOW_TRANSACTION_MS")
      ->check(CLI::Range(0, 3600000));
  app.add_option("--http-port", config.http_port,
                 "Port of /health, /stats, /metrics, ...; 0 serves no HTTP (EVENTSINK_HTTP_PORT)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--http-address", config.http_address, "Address the HTTP server binds")
      ->envname("EVENTSINK_HTTP_ADDRESS");
  std::vector<std::string> properties;
  app.add_option("-X", properties, "librdkafka property key=value, as kcat's -X (repeatable)");
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error, critical, off")
      ->envname("EVENTSINK_LOG_LEVEL");
  std::string log_format = "text";
  app.add_option("--log-format", log_format, "text or json")
      ->envname("EVENTSINK_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--instance", config.instance,
                 "Name of this process in logs, Kafka client.id and partition claims");
  app.add_option("--publish-token", config.api.publish_token,
                 "Bearer token POST /publish requires; empty: no authentication")
      ->envname("EVENTSINK_PUBLISH_TOKEN")
      ->always_capture_default(false);  // --help must never print the token
  app.add_option("--http-max-body-bytes", config.api.max_body_bytes,
                 "Largest request body; larger ones are answered 413")
      ->envname("EVENTSINK_HTTP_MAX_BODY_BYTES")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256} * 1024 * 1024));
  app.add_option("--publish-max-events", config.api.max_publish_events,
                 "Most events in one POST /publish; more are answered 413")
      ->envname("EVENTSINK_PUBLISH_MAX_EVENTS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  int publish_timeout_ms = static_cast<int>(config.api.publish_timeout.count());
  app.add_option("--publish-timeout-ms", publish_timeout_ms,
                 "How long POST /publish waits for the broker's acknowledgements")
      ->envname("EVENTSINK_PUBLISH_TIMEOUT_MS")
      ->check(CLI::Range(1, 300000));
  app.add_option("--http-database-connections", config.api.database_connections,
                 "PostgreSQL connections the HTTP API may hold")
      ->envname("EVENTSINK_HTTP_DATABASE_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{64}));
  app.add_flag("--migrate-only", config.migrate_only, "Apply the schema migrations and exit");

  try {
    app.parse(argc, argv);
    config.batch_linger = std::chrono::milliseconds(linger_ms);
    config.slow_transaction = std::chrono::milliseconds(slow_transaction_ms);
    config.api.publish_timeout = std::chrono::milliseconds(publish_timeout_ms);
    config.log_format = parse_log_format(log_format);
    for (const auto& property : properties) {
      config.kafka_overrides.push_back(kafka::parse_property(property));
    }
    validate(config);
  } catch (const CLI::ParseError& error) {
    return CommandLine{.config = std::nullopt, .exit_code = app.exit(error)};
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "eventsink-consumer: %s\n", error.what());
    return CommandLine{.config = std::nullopt, .exit_code = 2};
  }
  return CommandLine{.config = std::move(config), .exit_code = 0};
}

void validate(const ConsumerConfig& config) {
  if (config.brokers.empty()) {
    throw kafka::ConfigError("--brokers (EVENTSINK_BROKERS) is empty");
  }
  if (config.group.empty()) {
    throw kafka::ConfigError("--group (EVENTSINK_GROUP) is empty");
  }
  if (config.topics.empty() || config.topics.front().empty()) {
    throw kafka::ConfigError("--topic (EVENTSINK_KAFKA_TOPIC) is empty");
  }
  if (config.database_url.empty()) {
    throw kafka::ConfigError("--database-url (EVENTSINK_DATABASE_URL) is empty");
  }
  for (const auto& [key, value] : config.kafka_overrides) {
    if (key == "enable.auto.commit" && value != "false") {
      throw kafka::ConfigError(
          "-X enable.auto.commit must stay false: offsets are committed after PostgreSQL");
    }
  }
  // librdkafka knows its own keys and values: let it judge them now, not in a worker thread.
  kafka::make_conf(consumer_properties(config, 0));
}

kafka::Properties consumer_properties(const ConsumerConfig& config, int index) {
  kafka::Properties properties = {
      {"bootstrap.servers", config.brokers},
      {"group.id", config.group},
      {"client.id", config.instance + "-w" + std::to_string(index)},
      // PostgreSQL is the source of truth for positions; Kafka commits follow it, by hand.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      // Eager assignment: see kafka_consumer.hpp.
      {"partition.assignment.strategy", "range,roundrobin"},
      // A member learns that the group is rebalancing from its next heartbeat's answer, and goes
      // on consuming what it holds until then. Workers of one process join together, and the
      // first to join can be given every partition before the others' joins arrive: at
      // librdkafka's 3 s it read alone for up to 3 s before sharing them (seen as the benchmark's
      // slowest sink runs). One heartbeat a second costs the broker next to nothing.
      {"heartbeat.interval.ms", "1000"},
      {"enable.partition.eof", "false"},
      // Bound the prefetch queue (librdkafka's default allows 64 MiB per worker): see
      // kPrefetchBudgetKiB.
      {"queued.max.messages.kbytes",
       std::to_string(std::max(kMinPrefetchKiB, kPrefetchBudgetKiB / std::max(1, config.workers)))},
  };
  return kafka::merge_properties(std::move(properties), config.kafka_overrides);
}

}  // namespace eventsink
