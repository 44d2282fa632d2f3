// The one PostgreSQL transaction that makes a batch take effect.
//
// For a batch, SinkWriter::write runs a single transaction that
//   1. advances each partition's stored offset, but only where the row still carries this worker's
//      fencing epoch and the offset the batch started from (otherwise another worker owns the
//      partition now, and the whole transaction is rolled back);
//   2. inserts the events with ON CONFLICT (topic, event_id) DO NOTHING, learning which were new
//      (staged first: COPY into a session-local staging table, or for a small batch array
//      parameters; an event the batch holds several times is staged once, with its number of
//      copies, since every later copy is a duplicate anyway); those the process's
//      KnownIdentities show are not stored yet go in with a plain INSERT instead, which costs
//      PostgreSQL less, the unique index still guarding them (known_identities.hpp);
//   3. adds received / unique / duplicates to each topic's stats (in a row of its own per lowest
//      partition of the batch, so that workers never queue on one row: topic_stats sums them);
//   4. stores the dead letters;
// and commits. Either all of it happens or none of it does, so rows, stats and offsets never
// disagree, and a batch replayed after a crash finds its offsets moved and changes nothing.
//
// Locks are taken in one global order (partition rows by key, then events in write order, then
// stats rows by topic) so that concurrent workers cannot deadlock one another.
//
// Thread-safety: a SinkWriter uses one connection and belongs to one thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "consumer/batch.hpp"
#include "consumer/known_identities.hpp"
#include "consumer/transaction_phases.hpp"

namespace eventsink {

// One partition's offset move within a batch.
struct OffsetAdvance {
  TopicPartition tp;
  std::int64_t epoch = 0;
  std::optional<std::int64_t> expected_next;  // what PostgreSQL must still hold
  std::int64_t new_next = 0;
};

struct TopicCounts {
  std::string topic;
  std::int64_t received = 0;
  std::int64_t unique = 0;  // first sightings; received - unique are duplicates
};

struct WriteResult {
  enum class Status {
    kCommitted,       // the batch took effect
    kAlreadyApplied,  // an earlier attempt of this very batch had committed (commit ack lost)
    kFenced,          // some partitions belong to another worker now; nothing was written
  };
  Status status = Status::kCommitted;
  std::vector<TopicPartition> fenced;  // with kFenced
  std::vector<TopicCounts> topics;     // with kCommitted
  std::size_t dead_lettered = 0;       // with kCommitted
  bool row_by_row = false;             // with kCommitted: PostgreSQL refused the batch whole
  // With kCommitted: events inserted without a conflict check, being known to be new.
  std::size_t known_new = 0;
  // With kCommitted: an event known to be new was stored after all (by another process), so the
  // batch was redone with every event conflict-checked.
  bool known_new_stored = false;
  TransactionPhases phases;  // with kCommitted: of the attempt that committed
};

// One row of SinkWriter's staging table: the first copy of an event in its batch, and how many of
// the batch's records it stands for (every later copy is a duplicate whatever the table holds).
struct StagedEvent {
  std::size_t index = 0;  // in the batch's events
  std::int64_t copies = 0;
};

// The rows SinkWriter stages for a batch's events, in write order: by identity, event_id then
// topic, byte by byte (the primary key's own order, its columns being COLLATE "C"), an event's
// first copy being the one with the lowest Kafka coordinates. Row locks taken in this one order
// cannot deadlock, and index inserts in it walk the primary key from left to right.
std::vector<StagedEvent> staged_events(std::span<const EventRecord> events);

// The COPY data SinkWriter sends its staging table, in COPY's binary format (binary_copy.hpp): the
// header, then the row for each staged event, `record` standing for `copies` records of its batch,
// then the trailer. Public so that the benchmark's ceiling (benchmarks/ceiling.cpp) offers
// PostgreSQL exactly the same bytes.
void append_staging_header(std::string& out);
void append_staging_row(std::string& out, const EventRecord& record, std::int64_t copies = 1,
                        bool known_new = false);
void append_staging_trailer(std::string& out);

class SinkWriter {
 public:
  // Where COPY's lower cost per row starts to outweigh the staging table's cost per transaction.
  static constexpr std::size_t kDefaultArrayStagingLimit = 100;

  // Prepares statements and the session's staging table on `connection`, which must outlive
  // the writer. Throws pqxx exceptions if the database is unreachable.
  //
  // A batch of at most `array_staging_limit` distinct events is staged as array parameters of the
  // insert statement, a larger one with COPY into the staging table (sink_writer.cpp says why);
  // the effect is the same.
  //
  // `known`, if given, must outlive the writer; the writer adds the identities of every batch it
  // offers the table, and trusts the filter once it is complete (load_known_identities). Without
  // it, or while it is incomplete, every event is conflict-checked.
  SinkWriter(pqxx::connection& connection, std::string consumer_group,
             std::size_t array_staging_limit = kDefaultArrayStagingLimit,
             KnownIdentities* known = nullptr);

  // Runs the batch's transaction. Database trouble surfaces as pqxx exceptions after a rollback;
  // retrying the same call is always safe.
  //
  // When PostgreSQL refuses a row our validation accepted (a data exception), write() rolls back
  // and retries the batch row by row; the refused rows are moved into the batch's dead letters.
  // When an event known to be new turns out to be stored, it rolls back and retries the batch
  // with every event conflict-checked, and so the next kCheckedBatchesAfterMiss batches.
  WriteResult write(Batch& batch, const std::vector<OffsetAdvance>& offsets);

  // After a known-new event was found stored, another process is storing the same events: its
  // commits are not in this process's filter, so for a while the writer checks every event.
  static constexpr int kCheckedBatchesAfterMiss = 100;

 private:
  enum class Mode {
    kBulk,         // the known-new events without a conflict check
    kBulkChecked,  // every event conflict-checked
    kRowByRow,
  };

  WriteResult write_once(Batch& batch, const std::vector<OffsetAdvance>& offsets, Mode mode);
  std::vector<TopicPartition> advance_offsets(pqxx::work& tx,
                                              const std::vector<OffsetAdvance>& offsets);
  bool already_applied(pqxx::work& tx, const std::vector<OffsetAdvance>& offsets);
  std::vector<TopicCounts> insert_events_bulk(pqxx::work& tx, const Batch& batch, bool trust_known,
                                              std::size_t& known_new);
  std::vector<TopicCounts> insert_events_row_by_row(pqxx::work& tx, Batch& batch);
  // Adds `counts` to the statistics rows of `shard` (see stats_shard in sink_writer.cpp).
  void add_topic_counts(pqxx::work& tx, const std::vector<TopicCounts>& counts, std::int32_t shard);
  void insert_dead_letters(pqxx::work& tx, const Batch& batch);

  pqxx::connection& connection_;
  std::string consumer_group_;
  std::size_t array_staging_limit_;
  KnownIdentities* known_;
  int checked_batches_left_ = 0;  // see kCheckedBatchesAfterMiss
  std::string staging_chunk_;     // COPY data on its way to PostgreSQL; its capacity is reused
  // A small batch's array literals, one per staging column; their capacity is reused likewise.
  std::array<std::string, 10> staging_arrays_;
};

}  // namespace eventsink
