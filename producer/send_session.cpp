#include "producer/send_session.hpp"

#include <memory>
#include <optional>
#include <thread>

#include <CivetServer.h>
#include <fmt/format.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "common/kafka_admin.hpp"
#include "common/kafka_producer.hpp"
#include "producer/ledger.hpp"
#include "producer/pacer.hpp"
#include "producer/producer_probe.hpp"
#include "producer/progress.hpp"
#include "producer/record_sender.hpp"
#include "producer/termination_signals.hpp"

namespace eventsink {
namespace {

constexpr int kExitFailure = 1;
// Reports for purged records arrive from librdkafka's threads shortly after the purge.
constexpr auto kPurgeReportWait = std::chrono::seconds(5);

void ensure_topic(const SendOptions& options) {
  const auto connection = kafka::connection_to(options.brokers, options.kafka_overrides);
  if (kafka::create_topic(connection, options.kafka_topic, options.partitions)) {
    spdlog::info("created Kafka topic {} with {} partitions", options.kafka_topic,
                 options.partitions);
    return;
  }
  const int partitions = kafka::partition_count(connection, options.kafka_topic);
  spdlog::info("Kafka topic {} exists with {} partitions", options.kafka_topic, partitions);
  if (partitions != options.partitions) {
    spdlog::warn("--partitions {} ignored: the topic already exists with {}", options.partitions,
                 partitions);
  }
}

std::unique_ptr<prometheus::Exposer> serve_metrics(
    const SendOptions& options, const std::shared_ptr<prometheus::Registry>& registry) {
  const std::string address = options.metrics_address + ":" + std::to_string(options.metrics_port);
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(address, 1);
    exposer->RegisterCollectable(registry);
    spdlog::info("serving Prometheus metrics on http://{}/metrics", address);
    return exposer;
  } catch (const CivetException& error) {
    throw std::runtime_error("cannot serve metrics on " + address +
                             ": the port is taken or the address is not local (" + error.what() +
                             "); choose another --metrics-port");
  }
}

// Waits for outstanding reports: up to `timeout`, or until a second signal.
bool drain(RecordSender& sender, const TerminationSignals& signals,
           std::chrono::milliseconds timeout) {
  const int signals_before = signals.count();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto slice = std::chrono::milliseconds(100);
  while (std::chrono::steady_clock::now() < deadline) {
    if (sender.flush(slice)) {
      return true;
    }
    if (signals.count() > std::max(signals_before, 1)) {
      spdlog::warn("another signal: not waiting for the remaining deliveries");
      return false;
    }
  }
  return sender.counts().in_flight() == 0;
}

const char* signal_name(int signal) {
  return signal == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace

int run_send_session(const SendOptions& options, RecordSource& source) {
  const auto started = std::chrono::steady_clock::now();
  try {
    ensure_topic(options);
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    return kExitFailure;
  }
  // Until here nothing was sent and no thread of ours runs, so the default action of SIGINT and
  // SIGTERM (ending the process at once) was right, even while the broker did not answer.
  TerminationSignals signals;  // before any thread starts: see termination_signals.hpp
  auto registry = std::make_shared<prometheus::Registry>();
  ProducerProbe probe(*registry);
  std::optional<LedgerWriter> ledger;
  std::optional<RecordSender> sender;
  bool stopped_by_error = false;
  try {
    std::unique_ptr<prometheus::Exposer> exposer;
    if (options.metrics_port != 0) {
      exposer = serve_metrics(options, registry);
    }
    if (!options.ledger_path.empty()) {
      ledger.emplace(options.ledger_path);
    }
    sender.emplace(kafka::producer_properties(options.brokers, options.kafka_overrides),
                   options.kafka_topic, ledger ? &*ledger : nullptr, probe);
    spdlog::info("sending to Kafka topic {} at {}{}", options.kafka_topic, options.brokers,
                 options.rate > 0 ? fmt::format(", {} records/s", options.rate) : "");

    ProgressReporter progress([&sender] { return sender->counts(); }, source.expected_total(),
                              ProgressReporter::style_for_stderr());
    signals.listen();
    const auto interrupted = [&signals] { return signals.first() != 0; };
    Pacer pacer(options.rate);
    try {
      for (std::uint64_t index = 0; !interrupted(); ++index) {
        pacer.wait_turn(index, interrupted);
        std::optional<OutgoingRecord> record = source.next();
        // A signal may have cut a read short: never send what it returned.
        if (!record || interrupted()) {
          break;
        }
        sender->send(*record);
      }
    } catch (const std::exception& error) {
      spdlog::error("stopped sending: {}", error.what());
      stopped_by_error = true;
    }
    if (const int signal = signals.first(); signal != 0) {
      spdlog::info("{}: stopped sending; waiting up to {} s for {} record(s) in flight",
                   signal_name(signal),
                   std::chrono::duration_cast<std::chrono::seconds>(options.flush_timeout).count(),
                   sender->counts().in_flight());
    }
    if (!drain(*sender, signals, options.flush_timeout)) {
      spdlog::error("{} record(s) still unconfirmed; abandoning them (not in the ledger)",
                    sender->counts().in_flight());
      sender->abandon_in_flight();
      sender->flush(std::chrono::duration_cast<std::chrono::milliseconds>(kPurgeReportWait));
    }
    progress.stop();
  } catch (const std::exception& error) {
    spdlog::error("{}", error.what());
    stopped_by_error = true;
  }

  if (sender && sender->counts().in_flight() > 0) {  // an error skipped the drain above
    sender->abandon_in_flight();
    sender->flush(std::chrono::duration_cast<std::chrono::milliseconds>(kPurgeReportWait));
  }
  const SendCounts counts = sender ? sender->counts() : SendCounts{};
  sender.reset();  // the Kafka client is gone before the ledger closes: no report can be missed
  bool ledger_failed = false;
  if (ledger) {
    try {
      ledger->close();
      spdlog::info("ledger {}: {} delivered record(s)", ledger->path(), ledger->lines());
    } catch (const std::exception& error) {
      spdlog::error("{}", error.what());
      ledger_failed = true;
    }
  }
  spdlog::info("summary: {}", render_summary(counts, std::chrono::steady_clock::now() - started,
                                             source.skipped_summary()));
  const std::uint64_t undelivered = counts.failed + counts.in_flight();
  if (undelivered > 0) {
    spdlog::error("{} of {} record(s) were not delivered", undelivered, counts.sent);
  }
  if (stopped_by_error || ledger_failed || undelivered > 0) {
    return kExitFailure;
  }
  if (const int signal = signals.first(); signal != 0) {
    return 128 + signal;
  }
  return 0;
}

}  // namespace eventsink
