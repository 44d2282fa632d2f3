// The consumer's Prometheus metrics, kept apart from the logic they observe.
//
// The worker reports what happened in the words of its own domain (a batch committed, a record
// redelivered); the probe turns that into metric updates. All metrics carry the prefix
// "eventsink_consumer_" and no high-cardinality labels (never an event id).
//
// Thread-safety: every method is safe to call from any worker thread concurrently
// (prometheus-cpp metrics are atomic; families are created up front or under the family's lock).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "consumer/topic_partition.hpp"

namespace eventsink {

class ConsumerProbe {
 public:
  explicit ConsumerProbe(prometheus::Registry& registry);

  void record_consumed() { records_consumed_.Increment(); }
  void redelivery_skipped() { redeliveries_skipped_.Increment(); }
  void stale_record_dropped() { stale_records_dropped_.Increment(); }

  // A batch's transaction committed: `events` valid records of which `inserted` were new.
  void batch_committed(std::size_t records, std::int64_t events, std::int64_t inserted,
                       std::chrono::duration<double> transaction_time);
  void end_to_end_latency(std::chrono::duration<double> latency);
  void dead_lettered(std::string_view reason_code);
  void batch_fenced(std::size_t partitions) { fenced_partitions_.Increment(double(partitions)); }
  void batch_already_applied() { batches_already_applied_.Increment(); }

  void database_error(std::string_view kind);
  void retry() { retries_.Increment(); }

  void rebalance(std::string_view kind);  // "assign" or "revoke"
  void partitions_assigned(std::int64_t delta) { assigned_partitions_.Increment(double(delta)); }
  void lag(const TopicPartition& tp, std::int64_t records);

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
  prometheus::Histogram& end_to_end_seconds_;
  prometheus::Counter& fenced_partitions_;
  prometheus::Counter& batches_already_applied_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Counter& retries_;
  prometheus::Family<prometheus::Counter>& rebalances_;
  prometheus::Gauge& assigned_partitions_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Gauge& last_commit_;
};

}  // namespace eventsink
