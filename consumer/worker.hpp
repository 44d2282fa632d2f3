// One member of the consumer group: reads records from Kafka and makes each batch take effect in
// PostgreSQL exactly once.
//
// The loop: fill a batch by calling poll() until it holds `batch_records` records or
// `batch_linger` has passed since its first record; hand its transaction (SinkWriter) to the
// worker's write thread; fill the next batch while PostgreSQL commits that one. Before a batch is
// handed over, the one before it must have committed: only then are its offsets committed to
// Kafka, and only then does the worker know the stored offsets the next batch's transaction must
// still find. So a worker has at most one transaction in flight and one batch filling, and its
// database connection is used by one thread at a time. The rules that make the effect exact:
//   - positions come from PostgreSQL: on assignment the worker claims the partitions there and
//     starts at the stored offsets, so Kafka's own commits never decide what is processed;
//   - a record below the partition's position was processed already, or is in the batch in
//     flight or the one filling: it is skipped and counted;
//   - a batch advances a partition's offset only under the worker's fencing epoch and from the
//     offset it started at, so a worker that lost a partition cannot write for it any more;
//   - a database failure rolls the transaction back and the same batch is retried with back-off,
//     so nothing is lost and nothing is counted twice. A batch that is given up (only when
//     stopping, or when a rebalance takes the partitions) takes the batch after it along, since
//     that one starts where the given-up one ends; and until the worker claims their partitions
//     again it takes no more of their records, which would start there too.
//
// Thread-safety: a Worker runs on one thread (run()); librdkafka's callbacks come on that thread.
// The transaction in flight runs on the write thread and touches only the batch in flight and
// the database members; the worker thread waits for it (finish_write) before it uses either
// again. Several workers in one process share only the ConsumerProbe, which is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
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
#include "consumer/known_identities.hpp"
#include "consumer/partition_claims.hpp"
#include "consumer/partition_tracker.hpp"
#include "consumer/serial_executor.hpp"
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
  // A committed transaction at least this long is logged with its phases; zero logs none.
  std::chrono::milliseconds slow_transaction{1000};
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
  // The process's identities stored in events, shared by its workers (thread-safe); may be null.
  KnownIdentities* known_identities = nullptr;
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

  // A batch and the Kafka timestamps of its records (for the end-to-end latency metric).
  struct TimedBatch {
    Batch records;
    std::vector<std::int64_t> timestamps_ms;
    bool empty() const { return records.empty(); }
    void clear();
  };

  // What the write thread reports for the batch in flight.
  struct WriteOutcome {
    WriteResult result;
    std::chrono::duration<double> transaction_time{};
    std::chrono::system_clock::time_point committed_at;
  };

  void fill_batch();
  void take(const rd_kafka_message_t& message);

  // Hands `filling_` to the write thread as the batch in flight. Precondition: none in flight.
  void start_write();
  // Waits for the batch in flight, if any, and applies its outcome: on success its offsets are
  // committed to Kafka; fenced partitions are dropped (from the next batch too) and the rest is
  // written again; a failure is retried with back-off, or, with kOneAttempt or when stopping,
  // the batch is given up together with the one filling.
  void finish_write(Persistence persistence);
  // Writes everything read so far: finishes the batch in flight, then writes `filling_`.
  void write_all(Persistence persistence);
  // Submits `in_flight_` to the write thread, with the offsets it advances from those the batch
  // before stored. Precondition: no write pending.
  void submit_in_flight();
  // Gives up the batch in flight and the one filling, and stops taking records of their
  // partitions until they are claimed again (see the tracker's fencing).
  void give_up_batches();
  void drop_fenced(const std::vector<TopicPartition>& fenced);
  // Fences `partitions` (their records are ignored until they are claimed again) and pauses
  // fetching them.
  void stop_taking(const std::vector<TopicPartition>& partitions);
  void after_commit(const WriteOutcome& outcome);
  // Logs a committed transaction that took settings_.slow_transaction or longer.
  void report_if_slow(const WriteOutcome& outcome) const;
  std::vector<OffsetAdvance> offset_advances(const Batch& batch) const;

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
  TimedBatch filling_;    // the worker thread's
  TimedBatch in_flight_;  // the write thread's while write_ is pending
  Backoff backoff_;
  std::unique_ptr<pqxx::connection> database_;
  std::unique_ptr<SinkWriter> writer_;
  std::unique_ptr<PartitionClaims> claims_;
  // Destroyed before the members its jobs use, and after consumer_, whose closing runs on_revoke.
  SerialExecutor write_thread_;
  std::optional<std::future<WriteOutcome>> write_;  // the transaction of in_flight_, if pending
  // Destroyed after the waker and before the rest: closing it runs on_revoke, which uses the
  // members above.
  std::unique_ptr<KafkaConsumer> consumer_;
  // Declared last, destroyed first: it queries through consumer_'s handle.
  std::unique_ptr<FetchWaker> fetch_waker_;
};

}  // namespace eventsink
