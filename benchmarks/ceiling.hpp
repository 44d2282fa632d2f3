// The ceiling: how fast PostgreSQL alone takes the benchmark's rows, with no Kafka in the way.
//
// The rows are the topic's own events, read and validated once before the clock starts, then
// written by the plain version of the sink's path (consumer/sink_writer.cpp): per transaction,
// COPY a batch into a session-local staging table, then INSERT ... SELECT ... ON CONFLICT
// (topic, event_id) DO NOTHING into the sink's own `events` table, in batches as large as the
// sink's. What the sink adds on top — offsets under fencing, statistics, dead letters, Kafka,
// parsing — is exactly what the ceiling leaves out, so "ratio to the ceiling" measures the cost
// of exactly-once and of the consumer itself.
//
// With several sessions the partitions are shared out among them (partition p to session
// p mod N), each writing its own partitions' rows in order on its own connection and thread, as
// the sink's workers do: every copy of an event lives in one partition, so sessions never race
// for a key, and the first copy wins as in the sink.
//
// Thread-safety: measure_ceiling runs its sessions on threads of its own and returns when all
// have finished.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/kafka_config.hpp"

namespace eventsink::bench {

struct CeilingSettings {
  kafka::Properties connection;  // the broker, to read the topic from
  std::string topic;
  std::string database_url;  // its search_path names a fresh schema
  std::size_t batch_records = 5000;
  int sessions = 1;         // database connections writing in parallel
  std::string series_path;  // ProgressSeries output; empty: none
};

struct CeilingResult {
  std::uint64_t records = 0;          // read from the topic
  std::uint64_t invalid_records = 0;  // not valid events: not offered to PostgreSQL
  std::uint64_t rows_offered = 0;
  std::uint64_t rows_inserted = 0;  // distinct (topic, event_id)
  std::size_t batches = 0;
  double load_seconds = 0;                     // reading and encoding, before the clock starts
  double started_at = 0;                       // Unix seconds
  double seconds = 0;                          // the timed part: every batch's transaction
  std::optional<double> database_cpu_seconds;  // of the sessions' backends (a local database)
  std::optional<double> client_cpu_seconds;    // of this process, sending the rows
  double rows_per_second() const { return seconds > 0 ? double(rows_offered) / seconds : 0; }
};

// Applies the sink's migrations to the URL's schema, loads the rows, writes them, timed.
// Throws on any Kafka or PostgreSQL failure.
CeilingResult measure_ceiling(const CeilingSettings& settings);

}  // namespace eventsink::bench
