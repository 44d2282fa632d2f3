// One member of the consumer group: reads records from Kafka and makes each batch take effect in
// PostgreSQL exactly once.
//
// The loop: fill a batch by calling poll() until it holds `batch_records` records or
// `batch_linger` has passed since its first record; run the batch's transaction (SinkWriter);
// only then commit the offsets to Kafka. The rules that make the effect exact:
//   - positions come from PostgreSQL: on assignment the worker claims the partitions there and
//     starts at the stored offsets, so Kafka's own commits never decide what is processed;
//   - a record below the partition's position was processed already: it is skipped and counted;
//   - a batch advances a partition's offset only under the worker's fencing epoch and from the
//     offset it started at, so a worker that lost a partition cannot write for it any more;
//   - a database failure rolls the transaction back and the same batch is retried with back-off,
//     so nothing is lost and nothing is counted twice.
//
// Thread-safety: a Worker runs on one thread (run()); librdkafka's callbacks come on that thread.
// Several workers in one process share only the ConsumerProbe, which is thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/event.hpp"
#include "common/kafka_config.hpp"
#include "consumer/backoff.hpp"
#include "consumer/batch.hpp"
#include "consumer/consumer_probe.hpp"
#include "consumer/fetch_waker.hpp"
#include "consumer/kafka_consumer.hpp"
#include "consumer/partition_claims.hpp"
#include "consumer/partition_tracker.hpp"
#include "consumer/sink_writer.hpp"

namespace eventsink {

struct WorkerSettings {
  std::string database_url;
  std::string consumer_group;
  std::vector<std::string> topics;
  kafka::Properties kafka_properties;  // complete: bootstrap.servers, group.id, client.id, ...
  std::string owner;                   // recorded with each partition claim
  std::size_t batch_records = 5000;
  std::chrono::milliseconds batch_linger{10};
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
};

class Worker {
 public:
  Worker(WorkerSettings settings, ConsumerProbe& probe);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Consumes until `stop` is requested, then finishes the batch in flight if the database lets
  // it (one attempt) and leaves the group. Throws only for errors no retry can fix
  // (configuration, subscription).
  void run(std::stop_token stop);

 private:
  enum class Persistence { kUntilStopped, kOneAttempt };

  void fill_batch();
  void take(const rd_kafka_message_t& message);
  void commit_batch(Persistence persistence);
  void after_commit(const WriteResult& result, std::chrono::duration<double> transaction_time);
  std::vector<OffsetAdvance> offset_advances() const;

  std::optional<std::vector<StartOffset>> on_assign(const std::vector<TopicPartition>& partitions);
  void on_revoke(const std::vector<TopicPartition>& partitions);

  // Connects (and prepares) if there is no live connection. Throws on failure.
  void ensure_database();
  // Logs and counts a database failure and drops the connection, so the next try reconnects.
  void database_failed(const std::exception& error, std::string_view during);

  WorkerSettings settings_;
  ConsumerProbe& probe_;
  std::stop_token stop_;
  EventParser parser_;
  PartitionTracker tracker_;
  Batch batch_;
  std::vector<std::int64_t> batch_timestamps_ms_;  // Kafka timestamps, for end-to-end latency
  Backoff backoff_;
  std::unique_ptr<pqxx::connection> database_;
  std::unique_ptr<SinkWriter> writer_;
  std::unique_ptr<PartitionClaims> claims_;
  // Destroyed after the waker and before the rest: closing it runs on_revoke, which uses the
  // members above.
  std::unique_ptr<KafkaConsumer> consumer_;
  // Declared last, destroyed first: it queries through consumer_'s handle.
  std::unique_ptr<FetchWaker> fetch_waker_;
};

}  // namespace eventsink
