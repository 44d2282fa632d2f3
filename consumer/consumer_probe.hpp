// The consumer's Prometheus metrics, kept apart from the logic they observe.
//
// The worker reports what happened in the words of its own domain (a batch committed, a record
// redelivered); the probe turns that into metric updates. All metrics carry the prefix
// "eventsink_consumer_", base units (seconds, records) and no high-cardinality labels (never an
// event id; `reason`, `kind` are small fixed vocabularies, `topic`/`partition` are Kafka's).
//
//   name, after the prefix          type       what it observes
//   records_consumed_total          counter    records read, redeliveries included
//   events_inserted_total           counter    events stored for the first time
//   duplicates_total                counter    valid records already stored
//   redeliveries_skipped_total      counter    records below the stored offset
//   stale_records_dropped_total     counter    records of partitions not owned
//   dead_letters_total{reason}      counter    invalid records dead-lettered
//   batches_total                   counter    committed batch transactions
//   batch_records                   histogram  records per committed batch
//   transaction_seconds             histogram  a batch's PostgreSQL transaction
//   transaction_phase_seconds       histogram  its phases{phase}: offsets, events, commit
//   end_to_end_seconds              histogram  Kafka record timestamp -> commit
//   fenced_partitions_total         counter    batches refused: partition claimed
//   batches_already_applied_total   counter    retries that found a commit
//   batches_row_by_row_total        counter    batches PostgreSQL refused whole
//   known_new_events_total          counter    events inserted without a conflict check
//   known_new_stored_total          counter    batches redone: a known-new event was stored
//   known_identities_complete       gauge      1 once the filter of stored identities is loaded
//   database_errors_total{kind}     counter    PostgreSQL errors
//   retries_total                   counter    batch transactions retried
//   rebalances_total{kind}          counter    assign / revoke callbacks
//   assigned_partitions             gauge      partitions owned by this process
//   lag_records{topic,partition}    gauge      high watermark - stored offset
//   last_commit_timestamp_seconds   gauge      Unix time of the last commit
//
// Every labelled counter whose label values are known up front (dead-letter reasons, error
// kinds, rebalance kinds) is created at 0 on construction: a series that first appears at 1
// is invisible to rate()/increase(), so alerts on "dead letters appearing" would miss it.
//
// Thread-safety: every method is safe to call from any worker thread concurrently
// (prometheus-cpp metrics are atomic; families are created up front or under the family's lock;
// the lag series are set and removed under the probe's own lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "consumer/topic_partition.hpp"
#include "consumer/transaction_phases.hpp"

namespace eventsink {

class ConsumerProbe {
 public:
  explicit ConsumerProbe(prometheus::Registry& registry);

  void record_consumed() { records_consumed_.Increment(); }
  void redelivery_skipped() { redeliveries_skipped_.Increment(); }
  void stale_record_dropped() { stale_records_dropped_.Increment(); }

  // A batch's transaction committed: `events` valid records of which `inserted` were new;
  // `transaction_time` is every attempt's, `phases` the committing attempt's.
  void batch_committed(std::size_t records, std::int64_t events, std::int64_t inserted,
                       std::chrono::duration<double> transaction_time,
                       const TransactionPhases& phases);
  void end_to_end_latency(std::chrono::duration<double> latency);
  void dead_lettered(std::string_view reason_code);
  void batch_fenced(std::size_t partitions) { fenced_partitions_.Increment(double(partitions)); }
  void batch_already_applied() { batches_already_applied_.Increment(); }
  // PostgreSQL refused a batch's bulk insert; it committed row by row (slower, nothing lost).
  void batch_written_row_by_row() { batches_row_by_row_.Increment(); }
  void known_new_inserted(std::size_t events) { known_new_events_.Increment(double(events)); }
  void known_new_found_stored() { known_new_stored_.Increment(); }
  // The filter of stored identities finished loading: from now on it spares conflict checks.
  void known_identities_completed() { known_identities_complete_.Set(1); }

  void database_error(std::string_view kind);
  void retry() { retries_.Increment(); }

  void rebalance(std::string_view kind);  // "assign" or "revoke"
  void partitions_assigned(std::int64_t delta) { assigned_partitions_.Increment(double(delta)); }
  // The partition's lag: records between its high watermark and the offset stored in PostgreSQL.
  void lag(const TopicPartition& tp, std::int64_t records);
  // The partition left this process: its lag series goes (its new owner reports it).
  void partition_released(const TopicPartition& tp);

 private:
  prometheus::Counter& records_consumed_;
  prometheus::Counter& events_inserted_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& redeliveries_skipped_;
  prometheus::Counter& stale_records_dropped_;
  prometheus::Family<prometheus::Counter>& dead_letters_;
  prometheus::Counter& batches_;
  prometheus::Histogram& batch_records_;
  prometheus::Histogram& transaction_seconds_;
  prometheus::Family<prometheus::Histogram>& transaction_phases_;
  prometheus::Histogram& offsets_phase_seconds_;
  prometheus::Histogram& events_phase_seconds_;
  prometheus::Histogram& commit_phase_seconds_;
  prometheus::Histogram& end_to_end_seconds_;
  prometheus::Counter& fenced_partitions_;
  prometheus::Counter& batches_already_applied_;
  prometheus::Counter& batches_row_by_row_;
  prometheus::Counter& known_new_events_;
  prometheus::Counter& known_new_stored_;
  prometheus::Gauge& known_identities_complete_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Counter& retries_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Gauge& assigned_partitions_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Gauge& last_commit_;
  // Orders lag updates against removals: Family::Remove frees the series a concurrent Set()
  // would otherwise still write to (a fenced worker releasing what another worker now owns).
  std::mutex lag_mutex_;
};

}  // namespace eventsink
