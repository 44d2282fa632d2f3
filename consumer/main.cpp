// eventsink-consumer: the consumer service. Runs the group's workers and the HTTP API.
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "common/settings.hpp"
#include "consumer/backoff.hpp"
#include "consumer/consumer_config.hpp"
#include "consumer/consumer_probe.hpp"
#include "consumer/http/health_check.hpp"
#include "consumer/http/http_api.hpp"
#include "consumer/http/http_server.hpp"
#include "consumer/known_identities.hpp"
#include "consumer/migrations.hpp"
#include "consumer/worker.hpp"

namespace {

using namespace eventsink;

// Blocks SIGINT and SIGTERM in this thread and every thread started after, so that they are
// only ever taken by the signal watcher instead of interrupting a worker mid-transaction.
sigset_t block_termination_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Requests `stop` when SIGINT or SIGTERM arrives, from start-up on (the database may be down
// while migrations are retried, and a stop request must still be heard then).
std::jthread watch_signals(const sigset_t& signals, std::stop_source stop) {
  return std::jthread([signals, stop](std::stop_token finished) mutable {
    const timespec tick{.tv_sec = 0, .tv_nsec = 200'000'000};
    while (!finished.stop_requested() && !stop.stop_requested()) {
      if (const int signal = sigtimedwait(&signals, nullptr, &tick); signal > 0) {
        spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
        stop.request_stop();
      }
    }
  });
}

// Blocks until `stop` is requested.
void wait_for_stop(const std::stop_source& stop) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait(lock, stop.get_token(), [] { return false; });
}

// Applies the schema, retrying while the database is unreachable. Returns false when stopped.
bool migrate(const ConsumerConfig& config, const std::stop_source& stop) {
  Backoff backoff(config.retry_initial, config.retry_max);
  for (;;) {
    try {
      pqxx::connection connection(config.database_url);
      const int applied = apply_migrations(connection);
      spdlog::info("database schema is current ({} migration(s) applied now)", applied);
      return true;
    } catch (const std::exception& error) {
      spdlog::error("cannot apply migrations to {}: {}", redact_database_url(config.database_url),
                    error.what());
    }
    if (!backoff.wait(stop.get_token())) {
      return false;
    }
  }
}

// The process's filter of stored identities (known_identities.hpp), or null when it is turned off.
std::unique_ptr<KnownIdentities> make_known_identities(const ConsumerConfig& config) {
  if (config.known_identities_mib == 0) {
    return nullptr;
  }
  return std::make_unique<KnownIdentities>(config.known_identities_mib << 20);
}

// Loads `known` beside the workers: a table of millions of identities takes seconds to read (7 s
// for 6.5 million here, warm; 29 s just after they were bulk-inserted), and the process should
// not wait for that to serve its API and consume. The workers add what they write meanwhile and
// conflict-check every event until the load completes. An optimisation only: if it fails, every
// event stays checked. The thread stops between pages when the returned jthread is destroyed;
// `config`, `known` and `probe` must outlive it.
std::jthread load_known_identities_in_background(const ConsumerConfig& config,
                                                 KnownIdentities& known, ConsumerProbe& probe) {
  return std::jthread([&config, &known, &probe](std::stop_token stop) {
    spdlog::info(
        "known identities: loading from events; until then every event is conflict-checked");
    try {
      pqxx::connection connection(config.database_url);
      if (load_known_identities(connection, known, stop)) {
        probe.known_identities_completed();
      }
    } catch (const std::exception& error) {
      spdlog::warn("cannot read the stored identities ({}): every event is conflict-checked",
                   error.what());
    }
  });
}

WorkerSettings worker_settings(const ConsumerConfig& config, int index, KnownIdentities* known) {
  return WorkerSettings{
      .database_url = config.database_url,
      .consumer_group = config.group,
      .topics = config.topics,
      .kafka_properties = consumer_properties(config, index),
      .owner = config.instance + "-w" + std::to_string(index),
      .batch_records = config.batch_records,
      .batch_linger = config.batch_linger,
      .slow_transaction = config.slow_transaction,
      .retry_initial = config.retry_initial,
      .retry_max = config.retry_max,
      .known_identities = known,
  };
}

int run(const ConsumerConfig& config, const sigset_t& signals) {
  const auto started = std::chrono::steady_clock::now();
  spdlog::info("eventsink-consumer {}: brokers {}, group '{}', database {}, {} worker(s)",
               config.instance, config.brokers, config.group,
               redact_database_url(config.database_url), config.workers);

  std::stop_source stop;
  const std::jthread signal_watcher = watch_signals(signals, stop);
  if (!migrate(config, stop)) {
    return 0;
  }
  if (config.migrate_only) {
    return 0;
  }
  // Declared before its loader and the workers, which use it until they are joined.
  const auto known_identities = make_known_identities(config);
  auto registry = std::make_shared<prometheus::Registry>();
  ConsumerProbe probe(*registry);
  const std::jthread known_identities_loader =
      known_identities ? load_known_identities_in_background(config, *known_identities, probe)
                       : std::jthread();
  HealthCheck health(config.database_url, config.brokers);
  // Declared before the server: the server's threads call into the API until it is destroyed.
  std::unique_ptr<HttpApi> api;
  std::unique_ptr<HttpServer> http;
  if (config.http_port != 0) {
    const HttpApiOptions& api_options = config.api;
    api = std::make_unique<HttpApi>(config, api_options, *registry, health, started);
    http =
        std::make_unique<HttpServer>(HttpServerOptions{.address = config.http_address,
                                                       .port = config.http_port,
                                                       .max_body_bytes = api_options.max_body_bytes,
                                                       .threads = 8,
                                                       .request_timeout_ms = 10000});
    api->install(*http);
    http->start();
    spdlog::info("HTTP API on {}:{}", config.http_address, config.http_port);
  }

  std::atomic<bool> worker_failed = false;
  {
    std::vector<std::jthread> workers;
    for (int index = 0; index < config.workers; ++index) {
      workers.emplace_back([&, index] {
        try {
          Worker worker(worker_settings(config, index, known_identities.get()), probe);
          worker.run(stop.get_token());
        } catch (const std::exception& error) {
          spdlog::critical("worker {} stopped: {}", index, error.what());
          worker_failed = true;
          stop.request_stop();
        }
      });
    }
    wait_for_stop(stop);
  }  // joins the workers: each finishes its batch in flight and leaves the group
  spdlog::info("stopped");
  return worker_failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists (spdlog's flusher, librdkafka's, civetweb's): threads inherit it.
  const sigset_t signals = block_termination_signals();
  auto command_line = eventsink::parse_consumer_command_line(argc, argv);
  if (!command_line.config) {
    return command_line.exit_code;
  }
  try {
    eventsink::configure_logging(command_line.config->log_level, command_line.config->log_format);
    return run(*command_line.config, signals);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
}
