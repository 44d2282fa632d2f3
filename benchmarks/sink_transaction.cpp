#include "benchmarks/sink_transaction.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <pqxx/pqxx>
#include <unistd.h>

#include "benchmarks/process_cpu.hpp"
#include "benchmarks/progress_series.hpp"
#include "benchmarks/topic_events.hpp"
#include "consumer/batch.hpp"
#include "consumer/migrations.hpp"
#include "consumer/partition_claims.hpp"
#include "consumer/sink_writer.hpp"

namespace eventsink::bench {

SinkTransactionResult measure_sink_transaction(const SinkTransactionSettings& settings) {
  using Clock = std::chrono::steady_clock;
  const std::string group = "eventsink-bench-sink-transaction";
  SinkTransactionResult result;
  pqxx::connection connection(settings.database_url);
  apply_migrations(connection);

  const auto load_started = Clock::now();
  std::vector<Batch> batches(1);
  std::map<TopicPartition, std::optional<std::int64_t>> stored_next;  // what the sink holds
  for_each_event(settings.connection, settings.topic, [&](RecordCoordinates at, Event event) {
    if (batches.back().size() == settings.batch_records) {
      batches.emplace_back();
    }
    stored_next.try_emplace(at.topic_partition());
    batches.back().add_event(std::move(at), std::move(event));
    ++result.records;
  });
  result.load_seconds = std::chrono::duration<double>(Clock::now() - load_started).count();

  std::vector<TopicPartition> partitions;
  for (const auto& [tp, next] : stored_next) {
    partitions.push_back(tp);
  }
  std::map<TopicPartition, std::int64_t> epochs;
  for (const auto& claim :
       PartitionClaims(connection, group, "eventsink-bench").claim(partitions)) {
    epochs[claim.tp] = claim.epoch;
  }
  // Loaded before the clock starts, as the consumer's is by the time it has caught up.
  std::unique_ptr<KnownIdentities> known;
  if (settings.known_identities_mib > 0) {
    known = std::make_unique<KnownIdentities>(settings.known_identities_mib << 20);
    if (!load_known_identities(connection, *known)) {
      known.reset();
    }
  }
  SinkWriter writer(connection, group, settings.array_staging_limit, known.get());
  ProgressSeries series(settings.series_path);
  std::uint64_t written = 0;

  const auto database_cpu_before = cpu_seconds_of(connection.backendpid());
  const auto own_cpu_before = cpu_seconds_of(getpid());
  result.started_at = unix_seconds();
  series.sample(0);
  const auto started = Clock::now();
  for (auto& batch : batches) {
    std::vector<OffsetAdvance> offsets;
    for (const auto& [tp, span] : batch.spans()) {
      offsets.push_back(OffsetAdvance{.tp = tp,
                                      .epoch = epochs.at(tp),
                                      .expected_next = stored_next.at(tp),
                                      .new_next = span.next_offset});
    }
    const auto outcome = writer.write(batch, offsets);
    if (outcome.status != WriteResult::Status::kCommitted) {
      throw std::runtime_error("the sink's transaction did not commit a batch");
    }
    for (const auto& topic : outcome.topics) {
      result.inserted += static_cast<std::uint64_t>(topic.unique);
    }
    for (const auto& advance : offsets) {
      stored_next[advance.tp] = advance.new_next;
    }
    written += batch.size();
    ++result.batches;
    series.observe(written);
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (const auto after = cpu_seconds_of(connection.backendpid()); database_cpu_before && after) {
    result.database_cpu_seconds = *after - *database_cpu_before;
  }
  if (const auto after = cpu_seconds_of(getpid()); own_cpu_before && after) {
    result.client_cpu_seconds = *after - *own_cpu_before;
  }
  series.sample(written);
  return result;
}

}  // namespace eventsink::bench
