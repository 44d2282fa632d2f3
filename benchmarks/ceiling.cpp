#include "benchmarks/ceiling.hpp"

#include <atomic>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include <pqxx/pqxx>
#include <unistd.h>

#include "benchmarks/libpq_handles.hpp"
#include "benchmarks/process_cpu.hpp"
#include "benchmarks/progress_series.hpp"
#include "benchmarks/topic_events.hpp"
#include "consumer/copy_in.hpp"
#include "consumer/migrations.hpp"
#include "consumer/sink_writer.hpp"

namespace eventsink::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The same columns as the sink's staging table, so that PostgreSQL does the same work per row.
// known_new stays false: the plain path the ceiling measures conflict-checks every row.
constexpr const char* kCreateStaging = R"sql(
CREATE TEMP TABLE ceiling_batch (
    topic           text,
    event_id        text,
    event_time      timestamptz,
    source          text,
    payload         jsonb,
    kafka_topic     text,
    kafka_partition integer,
    kafka_offset    bigint,
    copies          integer,
    known_new       boolean
) ON COMMIT DELETE ROWS
)sql";

constexpr const char* kCopy =
    "COPY ceiling_batch (topic, event_id, event_time, source, payload, kafka_topic, "
    "kafka_partition, kafka_offset, copies, known_new) FROM STDIN (FORMAT binary)";

// The plain path: every record is offered, so the statement itself must put an event's first copy
// before its later ones for the first copy to win, as in the sink. A heap has no order (COPY puts
// a row that does not fit its page on an earlier page with room), hence ORDER BY: by key, in byte
// order, the primary key's own order (ordering by Kafka offset instead was slower: the index
// inserts lose their locality). The sink needs no sort in SQL: it stages each event of a batch
// once, already in this order (staged_events in consumer/sink_writer.hpp), and that is part of
// what it does better than this path.
constexpr const char* kInsert = R"sql(
INSERT INTO events (topic, event_id, event_time, source, payload,
                    kafka_topic, kafka_partition, kafka_offset)
SELECT topic, event_id, event_time, source, payload, kafka_topic, kafka_partition, kafka_offset
  FROM ceiling_batch
 ORDER BY event_id COLLATE "C", topic COLLATE "C", kafka_partition, kafka_offset
    ON CONFLICT (topic, event_id) DO NOTHING
)sql";

// One session's rows as COPY data, `batch_records` rows per batch, each partition in offset
// order.
struct SessionBatches {
  std::vector<std::string> batches;
  std::size_t rows_in_last = 0;
};

// What one session's thread reports; read only after the thread is joined.
struct SessionOutcome {
  std::uint64_t rows_inserted = 0;
  Clock::time_point finished;
  std::optional<double> database_cpu_seconds;  // of its backend, while writing
  std::exception_ptr error;
};

// Progress the sessions share with the thread that samples it.
struct SharedProgress {
  std::atomic<std::uint64_t> rows_offered = 0;  // full batches committed, times the batch size
  std::atomic<std::size_t> sessions_finished = 0;
};

void write_batches(const std::string& database_url, const std::vector<std::string>& batches,
                   std::size_t batch_records, SharedProgress& progress, SessionOutcome& outcome) {
  try {
    const auto connection = pq::connect(database_url);
    pq::exec(connection.get(), kCreateStaging);
    const int backend = PQbackendPID(connection.get());
    const auto cpu_before = cpu_seconds_of(backend);
    for (std::size_t i = 0; i < batches.size(); ++i) {
      pq::exec(connection.get(), "BEGIN");
      CopyIn copy(connection.get(), kCopy);
      copy.send(batches[i]);
      copy.finish();
      const auto inserted = pq::exec(connection.get(), kInsert);
      outcome.rows_inserted += std::stoull(PQcmdTuples(inserted.get()));
      pq::exec(connection.get(), "COMMIT");
      progress.rows_offered += batch_records;  // a short last batch: the caller corrects
    }
    if (const auto cpu_after = cpu_seconds_of(backend); cpu_before && cpu_after) {
      outcome.database_cpu_seconds = *cpu_after - *cpu_before;
    }
  } catch (...) {
    outcome.error = std::current_exception();
  }
  outcome.finished = Clock::now();
  ++progress.sessions_finished;
}

}  // namespace

CeilingResult measure_ceiling(const CeilingSettings& settings) {
  CeilingResult result;
  {
    pqxx::connection migrations(settings.database_url);
    apply_migrations(migrations);
  }
  const auto sessions = static_cast<std::size_t>(std::max(1, settings.sessions));
  std::vector<SessionBatches> work(sessions);
  const auto load_started = Clock::now();
  const auto counts =
      for_each_event(settings.connection, settings.topic, [&](RecordCoordinates at, Event event) {
        auto& session = work[static_cast<std::size_t>(at.partition) % sessions];
        if (session.batches.empty() || session.rows_in_last == settings.batch_records) {
          if (!session.batches.empty()) {
            append_staging_trailer(session.batches.back());
          }
          append_staging_header(session.batches.emplace_back());
          session.rows_in_last = 0;
        }
        // The very bytes the sink stages for the event (consumer/sink_writer.hpp).
        append_staging_row(session.batches.back(), EventRecord{std::move(at), std::move(event)});
        ++session.rows_in_last;
        ++result.rows_offered;
      });
  for (auto& session : work) {
    if (!session.batches.empty()) {
      append_staging_trailer(session.batches.back());
    }
  }
  result.load_seconds = std::chrono::duration<double>(Clock::now() - load_started).count();
  result.records = counts.records;
  result.invalid_records = counts.invalid;
  for (const auto& session : work) {
    result.batches += session.batches.size();
  }

  ProgressSeries series(settings.series_path);
  SharedProgress progress;
  std::vector<SessionOutcome> outcomes(sessions);
  const auto own_cpu_before = cpu_seconds_of(getpid());
  result.started_at = unix_seconds();
  series.sample(0);
  const auto started = Clock::now();
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < sessions; ++i) {
      threads.emplace_back([&, i] {
        write_batches(settings.database_url, work[i].batches, settings.batch_records, progress,
                      outcomes[i]);
      });
    }
    while (progress.sessions_finished < sessions) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      series.observe(std::min<std::uint64_t>(progress.rows_offered, result.rows_offered));
    }
  }  // joins the sessions
  Clock::time_point finished = started;
  for (const auto& outcome : outcomes) {
    if (outcome.error) {
      std::rethrow_exception(outcome.error);
    }
    result.rows_inserted += outcome.rows_inserted;
    finished = std::max(finished, outcome.finished);
    if (outcome.database_cpu_seconds) {
      result.database_cpu_seconds =
          result.database_cpu_seconds.value_or(0) + *outcome.database_cpu_seconds;
    }
  }
  result.seconds = std::chrono::duration<double>(finished - started).count();
  if (const auto after = cpu_seconds_of(getpid()); own_cpu_before && after) {
    result.client_cpu_seconds = *after - *own_cpu_before;
  }
  series.sample(result.rows_offered);
  return result;
}

}  // namespace eventsink::bench
