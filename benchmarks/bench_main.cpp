// eventsink-bench: the measurements scripts/benchmark.sh runs, one subcommand each, every answer
// one line of JSON on standard output.
//
//   ceiling    PostgreSQL alone: the topic's rows by COPY + INSERT ... ON CONFLICT DO NOTHING
//   sink-transaction  the sink's own transaction (SinkWriter) on the same rows, no Kafka
//   broker     librdkafka alone: the topic read to its end, records going nowhere
//   watch      times a sink (ours or the peer) filling its schema, sampling once a second
//   envelope   copies the topic in Kafka Connect's JsonConverter form, for the peer
//   quantiles  quantiles of a histogram in a Prometheus exposition (the consumer's /metrics)
//   topic      creates or deletes a Kafka topic
//   settle     waits until a consumer group has settled: Stable, with the members expected
//   arrivals   how late records reach a plain consumer, on a topic being produced into now
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/arrival_latency.hpp"
#include "benchmarks/broker_throughput.hpp"
#include "benchmarks/ceiling.hpp"
#include "benchmarks/connect_envelope.hpp"
#include "benchmarks/histogram_quantile.hpp"
#include "benchmarks/sink_progress.hpp"
#include "benchmarks/sink_transaction.hpp"
#include "common/kafka_admin.hpp"
#include "common/logging.hpp"
#include "common/settings.hpp"

namespace {

using namespace eventsink;
using nlohmann::json;

void print(const json& answer) {
  std::cout << answer.dump() << std::endl;
}

json optional_number(const std::optional<double>& value) {
  return value ? json(*value) : json(nullptr);
}

// A number for JSON: NaN (no observations) becomes null.
json number_or_null(double value) {
  return std::isnan(value) ? json(nullptr) : json(value);
}

std::string read_all(const std::string& path) {
  std::ostringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream file(path);
    if (!file) {
      throw std::runtime_error("cannot read " + path);
    }
    text << file.rdbuf();
  }
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  const Endpoints endpoints = endpoints_from_environment();
  CLI::App app{"eventsink-bench: the measurements of scripts/benchmark.sh"};
  app.require_subcommand(1);
  std::string brokers = endpoints.brokers;
  std::vector<std::string> properties;
  app.add_option("--brokers", brokers, "Kafka bootstrap servers (EVENTSINK_BROKERS)");
  app.add_option("-X", properties,
                 "librdkafka connection property key=value (TLS, SASL; repeatable)");

  std::string topic;
  std::string database_url = endpoints.database_url;
  bench::CeilingSettings ceiling;
  auto* ceiling_command = app.add_subcommand("ceiling", "PostgreSQL alone, on the topic's rows");
  ceiling_command->add_option("--topic", topic, "Kafka topic holding the rows")->required();
  ceiling_command->add_option("--database-url", database_url, "libpq URL of a fresh schema");
  ceiling_command->add_option("--batch-size", ceiling.batch_records, "Rows per transaction")
      ->check(CLI::Range(1, 1000000));
  ceiling_command->add_option("--sessions", ceiling.sessions, "Database sessions in parallel")
      ->check(CLI::Range(1, 64));
  ceiling_command->add_option("--series", ceiling.series_path, "Write progress samples here");

  bench::SinkTransactionSettings sink_transaction;
  auto* sink_transaction_command = app.add_subcommand(
      "sink-transaction", "The sink's own transaction (SinkWriter) on the topic's rows, no Kafka");
  sink_transaction_command->add_option("--topic", topic, "Kafka topic holding the rows")
      ->required();
  sink_transaction_command->add_option("--database-url", database_url,
                                       "libpq URL of a fresh schema");
  sink_transaction_command
      ->add_option("--batch-size", sink_transaction.batch_records, "Records per transaction")
      ->check(CLI::Range(1, 1000000));
  sink_transaction_command
      ->add_option("--array-staging-limit", sink_transaction.array_staging_limit,
                   "Batches of at most this many distinct events are staged as array parameters, "
                   "larger ones with COPY (the sink's own limit by default)")
      ->capture_default_str();
  sink_transaction_command
      ->add_option("--known-identities-mib", sink_transaction.known_identities_mib,
                   "Size of the filter of stored identities (the consumer's by default); 0: "
                   "conflict-check every event")
      ->capture_default_str();
  sink_transaction_command->add_option("--series", sink_transaction.series_path,
                                       "Write progress samples here");

  auto* broker_command = app.add_subcommand("broker", "librdkafka alone, reading the topic");
  broker_command->add_option("--topic", topic, "Kafka topic to read")->required();

  bench::WatchSettings watch;
  std::string count = "stats";
  int interval_ms = 100;
  int timeout_s = 3600;
  auto* watch_command = app.add_subcommand("watch", "Time a sink filling its schema");
  watch_command->add_option("--database-url", database_url, "libpq URL of the sink's schema");
  watch_command->add_option("--count", count, "stats (our sink) or rows (the peer)")
      ->check(CLI::IsMember({"stats", "rows"}));
  watch_command->add_option("--target", watch.target, "Count that ends the watch")->required();
  watch_command->add_option("--interval-ms", interval_ms, "Milliseconds between polls")
      ->check(CLI::Range(10, 60000));
  watch_command->add_option("--timeout-s", timeout_s, "Give up after this many seconds")
      ->check(CLI::Range(1, 86400));
  watch_command->add_option("--series", watch.series_path, "Write progress samples here");

  std::string envelope_topic;
  auto* envelope_command =
      app.add_subcommand("envelope", "Copy the topic as Kafka Connect JSON envelopes");
  envelope_command->add_option("--topic", topic, "Source topic")->required();
  envelope_command->add_option("--to", envelope_topic, "Topic to create and fill")->required();

  std::string histogram = "eventsink_consumer_end_to_end_seconds";
  std::vector<double> quantiles = {0.5, 0.99};
  std::string exposition_path = "-";
  auto* quantiles_command =
      app.add_subcommand("quantiles", "Quantiles of a histogram in a /metrics exposition");
  quantiles_command->add_option("--histogram", histogram, "Histogram family name");
  quantiles_command->add_option("--quantile", quantiles, "Quantile(s) to estimate")
      ->check(CLI::Range(0.0, 1.0));
  quantiles_command->add_option("exposition", exposition_path, "File, or - for standard input");
  std::string since_path;
  quantiles_command->add_option(
      "--since", since_path,
      "An earlier exposition of the same process: count only the observations made after it");

  std::string topic_action;
  int partitions = 6;
  auto* topic_command = app.add_subcommand("topic", "Create or delete a Kafka topic");
  topic_command->add_option("action", topic_action, "create or delete")
      ->required()
      ->check(CLI::IsMember({"create", "delete"}));
  topic_command->add_option("name", topic, "Topic name")->required();
  topic_command->add_option("--partitions", partitions, "Partitions of a created topic")
      ->check(CLI::Range(1, 1000));

  std::string group;
  int members = 1;
  int settle_timeout_s = 60;
  auto* settle_command = app.add_subcommand(
      "settle",
      "Wait until a consumer group is Stable with --members members (a joining member sets off "
      "a rebalance, which the others learn of at their next heartbeat)");
  settle_command->add_option("group", group, "Consumer group")->required();
  settle_command->add_option("--members", members, "Members expected")->check(CLI::Range(1, 1000));
  settle_command->add_option("--timeout-s", settle_timeout_s, "Give up after this many seconds")
      ->check(CLI::Range(1, 86400));

  bench::ArrivalSettings arrivals;
  int arrivals_timeout_s = 600;
  auto* arrivals_command = app.add_subcommand(
      "arrivals", "How late records reach a plain consumer (Kafka timestamp to arrival)");
  arrivals_command->add_option("--topic", arrivals.topic, "Kafka topic being produced into")
      ->required();
  arrivals_command->add_option("--records", arrivals.records, "Records to wait for")->required();
  arrivals_command->add_option("--skip", arrivals.skip, "The first records, left out (warm-up)");
  arrivals_command->add_option("--timeout-s", arrivals_timeout_s, "Give up after this many seconds")
      ->check(CLI::Range(1, 86400));

  CLI11_PARSE(app, argc, argv);
  // Logs (the migrations say what they apply) go to standard error: standard output is the answer.
  configure_logging("info", LogFormat::kText);

  try {
    kafka::Properties overrides;
    for (const auto& property : properties) {
      overrides.push_back(kafka::parse_property(property));
    }
    const kafka::Properties connection = kafka::connection_to(brokers, overrides);
    if (ceiling_command->parsed()) {
      ceiling.connection = connection;
      ceiling.topic = topic;
      ceiling.database_url = database_url;
      const auto result = bench::measure_ceiling(ceiling);
      print({{"records", result.records},
             {"invalid_records", result.invalid_records},
             {"rows_offered", result.rows_offered},
             {"rows_inserted", result.rows_inserted},
             {"batches", result.batches},
             {"batch_records", ceiling.batch_records},
             {"sessions", ceiling.sessions},
             {"load_seconds", result.load_seconds},
             {"started_at", result.started_at},
             {"seconds", result.seconds},
             {"database_cpu_seconds", optional_number(result.database_cpu_seconds)},
             {"client_cpu_seconds", optional_number(result.client_cpu_seconds)},
             {"events_per_second", result.rows_per_second()}});
    } else if (sink_transaction_command->parsed()) {
      sink_transaction.connection = connection;
      sink_transaction.topic = topic;
      sink_transaction.database_url = database_url;
      const auto result = bench::measure_sink_transaction(sink_transaction);
      print({{"records", result.records},
             {"rows_inserted", result.inserted},
             {"batches", result.batches},
             {"batch_records", sink_transaction.batch_records},
             {"load_seconds", result.load_seconds},
             {"started_at", result.started_at},
             {"seconds", result.seconds},
             {"database_cpu_seconds", optional_number(result.database_cpu_seconds)},
             {"client_cpu_seconds", optional_number(result.client_cpu_seconds)},
             {"events_per_second", result.records_per_second()}});
    } else if (broker_command->parsed()) {
      const auto result = bench::measure_broker(connection, topic);
      print({{"records", result.records},
             {"bytes", result.bytes},
             {"started_at", result.started_at},
             {"seconds", result.seconds},
             {"cpu_seconds", optional_number(result.cpu_seconds)},
             {"events_per_second", result.records_per_second()}});
    } else if (watch_command->parsed()) {
      watch.database_url = database_url;
      watch.count = count == "stats" ? bench::SinkCount::kRecordsCounted : bench::SinkCount::kRows;
      watch.interval = std::chrono::milliseconds(interval_ms);
      watch.timeout = std::chrono::seconds(timeout_s);
      const auto result = bench::watch_sink(watch);
      print({{"reached", result.reached},
             {"count", result.count},
             {"target", watch.target},
             {"first_moved", result.first_moved ? json(*result.first_moved) : json(nullptr)},
             {"reached_at", result.reached_at ? json(*result.reached_at) : json(nullptr)}});
      return result.reached ? 0 : 1;
    } else if (envelope_command->parsed()) {
      const auto result = bench::copy_as_connect_envelopes(connection, topic, envelope_topic);
      print(
          {{"records", result.records}, {"written", result.written}, {"skipped", result.skipped}});
    } else if (quantiles_command->parsed()) {
      auto buckets = bench::histogram_buckets(read_all(exposition_path), histogram);
      if (!since_path.empty()) {
        buckets = bench::histogram_increase(
            buckets, bench::histogram_buckets(read_all(since_path), histogram));
      }
      json answer = {{"observations", buckets.empty() ? 0.0 : buckets.back().cumulative_count}};
      for (const double q : quantiles) {
        answer[fmt::format("p{:g}", q * 100)] =
            number_or_null(bench::histogram_quantile(q, buckets));
      }
      // Exact, unlike the interpolated quantiles: 0.1 s is a bucket bound.
      answer["share_at_most_100ms"] = number_or_null(bench::histogram_share_at_most(0.1, buckets));
      print(answer);
    } else if (topic_command->parsed()) {
      if (topic_action == "create") {
        print({{"created", kafka::create_topic(connection, topic, partitions)}});
      } else {
        kafka::delete_topic(connection, topic);
        print({{"deleted", true}});
      }
    } else if (arrivals_command->parsed()) {
      arrivals.timeout = std::chrono::seconds(arrivals_timeout_s);
      const auto result = bench::measure_arrivals(connection, arrivals);
      print({{"observations", result.measured},
             {"p50", result.p50_seconds},
             {"p99", result.p99_seconds},
             {"max", result.max_seconds},
             {"share_at_most_100ms", result.share_at_most_100ms}});
    } else if (settle_command->parsed()) {
      const auto description = kafka::await_stable_group(connection, group, members,
                                                         std::chrono::seconds(settle_timeout_s));
      const bool settled = description.state == "Stable" && description.members == members;
      print({{"group", group},
             {"state", description.state},
             {"members", description.members},
             {"settled", settled}});
      return settled ? 0 : 1;
    }
  } catch (const std::exception& error) {
    std::cerr << "eventsink-bench: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
