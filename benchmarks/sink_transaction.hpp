// The sink's transaction alone: the ceiling's rows written by the sink's own SinkWriter, with no
// Kafka and no parsing in the way.
//
// It sits between the ceiling and the sink end to end, and splits the gap between them: the
// ceiling to here is the price of exactly-once bookkeeping in PostgreSQL (offsets advanced under
// the fencing epoch, statistics, first-sighting counts); here to the sink end to end is the
// consumer's own work (fetching, parsing, batching) not hidden behind the database.
//
// The batches are made as a worker makes them: records in the order they were read, partitions
// interleaved, `batch_records` per transaction; the partitions are claimed first, as a worker
// claims them on assignment.
//
// Thread-safety: a measurement runs on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/kafka_config.hpp"
#include "consumer/sink_writer.hpp"

namespace eventsink::bench {

struct SinkTransactionSettings {
  kafka::Properties connection;  // the broker, to read the topic from
  std::string topic;
  std::string database_url;  // its search_path names a fresh schema
  std::size_t batch_records = 5000;
  std::size_t array_staging_limit = SinkWriter::kDefaultArrayStagingLimit;
  std::size_t known_identities_mib = KnownIdentities::kDefaultMib;  // 0: none, as the consumer's
  std::string series_path;  // ProgressSeries output; empty: none
};

struct SinkTransactionResult {
  std::uint64_t records = 0;  // valid events written
  std::uint64_t inserted = 0;
  std::size_t batches = 0;
  double load_seconds = 0;
  double started_at = 0;                       // Unix seconds
  double seconds = 0;                          // every batch's SinkWriter::write
  std::optional<double> database_cpu_seconds;  // of its backend (a local database)
  std::optional<double> client_cpu_seconds;    // of this process, staging and sending the rows
  double records_per_second() const { return seconds > 0 ? double(records) / seconds : 0; }
};

SinkTransactionResult measure_sink_transaction(const SinkTransactionSettings& settings);

}  // namespace eventsink::bench
