#include "consumer/consumer_probe.hpp"

#include <initializer_list>
#include <string>

#include "common/event.hpp"

namespace eventsink {
namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry,
                                                 const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& registry,
                                             const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

prometheus::Histogram& histogram(prometheus::Registry& registry, const std::string& name,
                                 const std::string& help,
                                 prometheus::Histogram::BucketBoundaries buckets) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(registry).Add(
      {}, std::move(buckets));
}

const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// End-to-end latency gets finer buckets where its target lies (p99 under 100 ms at a moderate
// rate): quantiles are interpolated within a bucket, so the bucket width is their precision
// (10 ms up to 100 ms here; scripts/benchmark.sh reports p50 and p99 from this histogram).
const prometheus::Histogram::BucketBoundaries kEndToEndBuckets = {
    0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09,
    0.1,    0.125, 0.15,   0.2,  0.25,  0.3,  0.4,   0.5,  1,    2.5,  5,    10,   30};

// Every reason a record can be dead-lettered for: the parser's rejection codes, plus the two the
// consumer assigns itself (worker.cpp: a record without a value; sink_writer.cpp: a row
// PostgreSQL refused). The codes are walked until to_string() no longer knows one (a scoped
// enum's underlying type is int, so every int is a valid value), so a code added to the enum is
// picked up here. An unlisted reason still gets its series, on first use.
void initialize_dead_letter_reasons(prometheus::Family<prometheus::Counter>& family) {
  for (int code = 0; code < 1000; ++code) {
    const std::string_view reason = to_string(static_cast<RejectionCode>(code));
    if (reason == "unknown") {
      break;
    }
    family.Add({{"reason", std::string(reason)}});
  }
  family.Add({{"reason", "null_value"}});
  family.Add({{"reason", "database_rejected"}});
}

// Creates the family's series for each of `values` of `label`, at 0.
prometheus::Family<prometheus::Counter>& with_series(
    prometheus::Family<prometheus::Counter>& family, const std::string& label,
    std::initializer_list<const char*> values) {
  for (const char* value : values) {
    family.Add({{label, value}});
  }
  return family;
}

prometheus::Histogram& phase(prometheus::Family<prometheus::Histogram>& family,
                             const std::string& name) {
  return family.Add({{"phase", name}}, kSecondsBuckets);
}

}  // namespace

ConsumerProbe::ConsumerProbe(prometheus::Registry& registry)
    : records_consumed_(counter(registry, "eventsink_consumer_records_consumed_total",
                                "Kafka records read by the workers, redeliveries included")
                            .Add({})),
      events_inserted_(counter(registry, "eventsink_consumer_events_inserted_total",
                               "Events stored for the first time (unique events)")
                           .Add({})),
      duplicates_(counter(registry, "eventsink_consumer_duplicates_total",
                          "Valid records whose (topic, event_id) was already stored")
                      .Add({})),
      redeliveries_skipped_(
          counter(registry, "eventsink_consumer_redeliveries_skipped_total",
                  "Records below the stored offset of their partition, skipped unprocessed")
              .Add({})),
      stale_records_dropped_(
          counter(registry, "eventsink_consumer_stale_records_dropped_total",
                  "Records of partitions this worker no longer owns, dropped unprocessed")
              .Add({})),
      dead_letters_(counter(registry, "eventsink_consumer_dead_letters_total",
                            "Invalid records written to the dead_letters table, by reason")),
      batches_(counter(registry, "eventsink_consumer_batches_total",
                       "Batches whose transaction committed")
                   .Add({})),
      batch_records_(histogram(registry, "eventsink_consumer_batch_records",
                               "Records per committed batch",
                               {1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000})),
      transaction_seconds_(histogram(registry, "eventsink_consumer_transaction_seconds",
                                     "Duration of a batch's PostgreSQL transaction",
                                     kSecondsBuckets)),
      transaction_phases_(
          prometheus::BuildHistogram()
              .Name("eventsink_consumer_transaction_phase_seconds")
              .Help("Duration of each phase of a committed batch's transaction, by phase "
                    "(offsets, events, commit)")
              .Register(registry)),
      offsets_phase_seconds_(phase(transaction_phases_, "offsets")),
      events_phase_seconds_(phase(transaction_phases_, "events")),
      commit_phase_seconds_(phase(transaction_phases_, "commit")),
      end_to_end_seconds_(histogram(registry, "eventsink_consumer_end_to_end_seconds",
                                    "From a record's Kafka timestamp to its batch's commit",
                                    kEndToEndBuckets)),
      fenced_partitions_(
          counter(registry, "eventsink_consumer_fenced_partitions_total",
                  "Partitions whose batch was refused because another worker claimed them")
              .Add({})),
      batches_already_applied_(
          counter(registry, "eventsink_consumer_batches_already_applied_total",
                  "Batch retries that found their earlier attempt had committed")
              .Add({})),
      batches_row_by_row_(
          counter(registry, "eventsink_consumer_batches_row_by_row_total",
                  "Batches PostgreSQL refused as a whole, committed row by row instead")
              .Add({})),
      known_new_events_(
          counter(registry, "eventsink_consumer_known_new_events_total",
                  "Events inserted without a conflict check, known to be new by the process's "
                  "filter of stored identities")
              .Add({})),
      known_new_stored_(
          counter(registry, "eventsink_consumer_known_new_stored_total",
                  "Batches redone with every event conflict-checked, because an event known to "
                  "be new had been stored by another process")
              .Add({})),
      known_identities_complete_(
          gauge(registry, "eventsink_consumer_known_identities_complete",
                "1 once the process's filter of stored identities holds every identity stored "
                "before it started; 0 while it loads, or if it is off or was abandoned")
              .Add({})),
      database_errors_(
          with_series(counter(registry, "eventsink_consumer_database_errors_total",
                              "PostgreSQL errors, by kind (connection, conflict, data, other)"),
                      "kind", {"connection", "conflict", "data", "other"})),
      retries_(counter(registry, "eventsink_consumer_retries_total",
                       "Batch transactions retried after a database error")
                   .Add({})),
      rebalances_(with_series(counter(registry, "eventsink_consumer_rebalances_total",
                                      "Partition assignments and revocations, by kind"),
                              "kind", {"assign", "revoke"})),
      assigned_partitions_(gauge(registry, "eventsink_consumer_assigned_partitions",
                                 "Partitions currently assigned to this process's workers")
                               .Add({})),
      lag_(gauge(
          registry, "eventsink_consumer_lag_records",
          "Records between the partition's high watermark and its offset stored in PostgreSQL, "
          "as of this process's last commit (or failed attempt) on it")),
      last_commit_(gauge(registry, "eventsink_consumer_last_commit_timestamp_seconds",
                         "Unix time of the last committed batch")
                       .Add({})) {
  initialize_dead_letter_reasons(dead_letters_);
}

void ConsumerProbe::batch_committed(std::size_t records, std::int64_t events, std::int64_t inserted,
                                    std::chrono::duration<double> transaction_time,
                                    const TransactionPhases& phases) {
  batches_.Increment();
  batch_records_.Observe(double(records));
  events_inserted_.Increment(double(inserted));
  duplicates_.Increment(double(events - inserted));
  transaction_seconds_.Observe(transaction_time.count());
  offsets_phase_seconds_.Observe(phases.offsets.count());
  events_phase_seconds_.Observe(phases.events.count());
  commit_phase_seconds_.Observe(phases.commit.count());
  last_commit_.SetToCurrentTime();
}

void ConsumerProbe::end_to_end_latency(std::chrono::duration<double> latency) {
  end_to_end_seconds_.Observe(latency.count());
}

void ConsumerProbe::dead_lettered(std::string_view reason_code) {
  dead_letters_.Add({{"reason", std::string(reason_code)}}).Increment();
}

void ConsumerProbe::database_error(std::string_view kind) {
  database_errors_.Add({{"kind", std::string(kind)}}).Increment();
}

void ConsumerProbe::rebalance(std::string_view kind) {
  rebalances_.Add({{"kind", std::string(kind)}}).Increment();
}

void ConsumerProbe::lag(const TopicPartition& tp, std::int64_t records) {
  const std::lock_guard lock(lag_mutex_);
  lag_.Add({{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}}).Set(double(records));
}

void ConsumerProbe::partition_released(const TopicPartition& tp) {
  const prometheus::Labels labels{{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}};
  const std::lock_guard lock(lag_mutex_);
  if (lag_.Has(labels)) {
    lag_.Remove(&lag_.Add(labels));
  }
}

}  // namespace eventsink
