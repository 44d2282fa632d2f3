#include "producer/producer_config.hpp"

#include <cstdio>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "common/kafka_config.hpp"
#include "common/kafka_producer.hpp"
#include "common/settings.hpp"

namespace eventsink {
namespace {

// Flags shared by generate and replay, bound to `send`; -X values go to `properties` first.
void add_send_options(CLI::App& command, SendOptions& send, std::vector<std::string>& properties,
                      int& flush_timeout_seconds) {
  command.add_option("--brokers", send.brokers, "Kafka bootstrap servers (EVENTSINK_BROKERS)");
  command.add_option("--kafka-topic", send.kafka_topic,
                     "Kafka topic that carries every event (EVENTSINK_KAFKA_TOPIC)");
  command
      .add_option("--partitions", send.partitions,
                  "Partitions of the Kafka topic when it has to be created")
      ->check(CLI::Range(1, 10000));
  command.add_option("-X", properties,
                     "librdkafka property key=value, as kcat's -X (repeatable; applied after "
                     "the durable defaults enable.idempotence=true, acks=all, "
                     "max.in.flight.requests.per.connection=1)");
  command.add_option(
      "--ledger", send.ledger_path,
      "Write one line per delivered record to this file (README.md, section The ledger)");
  command.add_option("--rate", send.rate, "Records per second; 0 = as fast as possible")
      ->check(CLI::Range(0.0, 1e9));
  command
      .add_option("--metrics-port", send.metrics_port,
                  "Serve Prometheus metrics on this port (/metrics); 0 = off")
      ->check(CLI::Range(0, 65535));
  command.add_option("--metrics-address", send.metrics_address,
                     "Address the metrics endpoint binds");
  command
      .add_option("--flush-timeout", flush_timeout_seconds,
                  "Seconds to wait for outstanding deliveries at the end or after a signal")
      ->check(CLI::Range(0, 3600));
}

void add_logging_options(CLI::App& command, std::string& level, std::string& format) {
  command.add_option("--log-level", level, "trace, debug, info, warn, error, critical, off")
      ->envname("EVENTSINK_LOG_LEVEL");
  command.add_option("--log-format", format, "text or json")
      ->envname("EVENTSINK_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
}

// Checks what CLI11 cannot: -X syntax, and the values librdkafka itself would refuse later.
void finish_send_options(SendOptions& send, const std::vector<std::string>& properties,
                         int flush_timeout_seconds) {
  for (const auto& property : properties) {
    send.kafka_overrides.push_back(kafka::parse_property(property));
  }
  send.flush_timeout = std::chrono::seconds(flush_timeout_seconds);
  if (send.brokers.empty()) {
    throw kafka::ConfigError("--brokers (EVENTSINK_BROKERS) is empty");
  }
  if (send.kafka_topic.empty()) {
    throw kafka::ConfigError("--kafka-topic (EVENTSINK_KAFKA_TOPIC) is empty");
  }
  kafka::make_conf(kafka::producer_properties(send.brokers, send.kafka_overrides));
}

}  // namespace

ProducerCommandLine parse_producer_command_line(int argc, const char* const* argv) {
  ProducerCommandLine result;
  const Endpoints endpoints = endpoints_from_environment();
  SendOptions send_defaults;
  send_defaults.brokers = endpoints.brokers;
  send_defaults.kafka_topic = endpoints.kafka_topic;

  GenerateCommand generate;
  generate.send = send_defaults;
  ReplayCommand replay;
  replay.send = send_defaults;
  ExpectCommand expect;

  std::string log_level = "info";
  std::string log_format = "text";

  CLI::App app{"eventsink-producer: writes events to Kafka for the eventsink sink"};
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  add_logging_options(app, log_level, log_format);  // before the subcommand, or after it

  CLI::App* generate_app =
      app.add_subcommand("generate", "Send synthetic events, a share of them duplicates");
  std::vector<std::string> generate_properties;
  int generate_flush_seconds = 30;
  add_send_options(*generate_app, generate.send, generate_properties, generate_flush_seconds);
  generate_app->add_option("--count", generate.count, "Records to send; 0 = until interrupted")
      ->check(CLI::NonNegativeNumber);
  generate_app
      ->add_option("--duplicates", generate.duplicate_ratio,
                   "Share of records that repeat an earlier event (0 to 1)")
      ->check(CLI::Range(0.0, 1.0));
  generate_app
      ->add_option(
          "--malformed", generate.malformed_ratio,
          "Share of records that are not valid events, for the sink to dead-letter (0 to 1)")
      ->check(CLI::Range(0.0, 1.0));
  generate_app->add_option("--topics", generate.topics, "Event topics, comma-separated")
      ->delimiter(',');
  generate_app->add_option("--sources", generate.sources, "Event sources, comma-separated")
      ->delimiter(',');
  std::uint64_t seed = 0;
  CLI::Option* seed_option =
      generate_app
          ->add_option("--seed", seed,
                       "Seed of the event sequence; the same seed sends the same events")
          ->default_str("random, logged");

  CLI::App* replay_app = app.add_subcommand(
      "replay", "Send JSON lines from a file or standard input, each line as it is");
  std::vector<std::string> replay_properties;
  int replay_flush_seconds = 30;
  add_send_options(*replay_app, replay.send, replay_properties, replay_flush_seconds);
  replay_app->add_option("input", replay.input, "JSON-lines file, or - for standard input")
      ->required();
  replay_app->add_flag("--skip-invalid", replay.skip_invalid,
                       "Drop lines that are not valid events instead of sending them (by "
                       "default they are sent, and the sink dead-letters them)");

  CLI::App* expect_app = app.add_subcommand(
      "expect", "Print the sink statistics (GET /stats) the ledgers imply, as JSON");
  expect_app->add_option("ledgers", expect.ledgers, "Ledger files; - for standard input")
      ->required();
  expect_app->add_flag("--pretty", expect.pretty, "Indent the JSON");

  for (CLI::App* command : {generate_app, replay_app, expect_app}) {
    add_logging_options(*command, log_level, log_format);
  }

  try {
    app.parse(argc, argv);
    result.log_level = log_level;
    result.log_format = parse_log_format(log_format);
    if (generate_app->parsed()) {
      finish_send_options(generate.send, generate_properties, generate_flush_seconds);
      if (seed_option->count() > 0) {
        generate.seed = seed;
      }
      result.command = std::move(generate);
    } else if (replay_app->parsed()) {
      finish_send_options(replay.send, replay_properties, replay_flush_seconds);
      result.command = std::move(replay);
    } else {
      result.command = std::move(expect);
    }
  } catch (const CLI::ParseError& error) {
    // CLI11 prints help (exit 0) or the error; any usage error exits 2, as documented.
    result.exit_code = app.exit(error) == 0 ? 0 : 2;
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "eventsink-producer: %s\n", error.what());
    result.exit_code = 2;
  }
  return result;
}

}  // namespace eventsink
