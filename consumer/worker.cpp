#include "consumer/worker.hpp"

#include <algorithm>
#include <future>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "consumer/connection_check.hpp"

namespace eventsink {
namespace {

using Clock = std::chrono::steady_clock;

// A coarse, fixed vocabulary for the database_errors metric.
std::string_view error_kind(const std::exception& error) {
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return "connection";
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&error) != nullptr) {
    return "conflict";
  }
  if (dynamic_cast<const pqxx::data_exception*>(&error) != nullptr ||
      dynamic_cast<const pqxx::integrity_constraint_violation*>(&error) != nullptr) {
    return "data";
  }
  return "other";
}

std::optional<std::string> bytes_of(const void* data, std::size_t size) {
  if (data == nullptr) {
    return std::nullopt;
  }
  return std::string(static_cast<const char*>(data), size);
}

std::string describe(const std::vector<TopicPartition>& partitions) {
  std::string text;
  for (const auto& tp : partitions) {
    text += (text.empty() ? "" : ", ") + to_string(tp);
  }
  return text;
}

}  // namespace

Worker::Worker(WorkerSettings settings, ConsumerProbe& probe)
    : settings_(std::move(settings)),
      probe_(probe),
      backoff_(settings_.retry_initial, settings_.retry_max) {
  filling_.timestamps_ms.reserve(settings_.batch_records);
  in_flight_.timestamps_ms.reserve(settings_.batch_records);
}

Worker::~Worker() = default;

void Worker::TimedBatch::clear() {
  records.clear();
  timestamps_ms.clear();
}

void Worker::run(std::stop_token stop) {
  stop_ = stop;
  consumer_ = std::make_unique<KafkaConsumer>(
      settings_.kafka_properties,
      [this](const std::vector<TopicPartition>& partitions) { return on_assign(partitions); },
      [this](const std::vector<TopicPartition>& partitions) { on_revoke(partitions); });
  fetch_waker_ = std::make_unique<FetchWaker>(consumer_->native());
  consumer_->subscribe(settings_.topics);
  spdlog::info("worker {} joined group '{}'", settings_.owner, settings_.consumer_group);
  while (!stop.stop_requested()) {
    fill_batch();
    if (!filling_.empty()) {
      finish_write(Persistence::kUntilStopped);
      if (!filling_.empty()) {  // fencing may have emptied it
        start_write();
      }
    }
  }
  write_all(Persistence::kOneAttempt);
  fetch_waker_.reset();
  if (consumer_->close(KafkaConsumer::kDefaultCloseTimeout)) {
    spdlog::info("worker {} left the group", settings_.owner);
  }
}

void Worker::fill_batch() {
  // Short polls keep the worker responsive to stop requests while the topic is idle. The end of
  // a transaction in flight wakes the poll (submit_in_flight), so its outcome is applied and its
  // offsets committed at once.
  constexpr std::chrono::milliseconds kIdlePoll{100};
  std::optional<Clock::time_point> deadline;
  while (!stop_.stop_requested() && filling_.records.size() < settings_.batch_records) {
    if (write_ && write_->wait_for(std::chrono::seconds::zero()) == std::future_status::ready) {
      finish_write(Persistence::kUntilStopped);
    }
    auto timeout = kIdlePoll;
    if (deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left > std::chrono::milliseconds::zero()) {
        timeout = std::min(left, timeout);
      } else if (!write_) {
        break;
      }
      // Else the batch has waited long enough but the one before is still being written: it
      // goes on filling until that one ends, which makes batches grow with the database's load.
    }
    const auto message = consumer_->poll(timeout);
    if (!message) {
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Broker trouble is reported here and retried by librdkafka itself: wait it out.
      spdlog::warn("Kafka: {}", rd_kafka_message_errstr(message.get()));
      continue;
    }
    take(*message);
    if (!deadline && !filling_.empty()) {
      deadline = Clock::now() + settings_.batch_linger;
    }
  }
}

void Worker::take(const rd_kafka_message_t& message) {
  probe_.record_consumed();
  fetch_waker_->taken(message);
  // The record is read into storage the batch keeps from earlier records (Batch::next_event), so
  // that neither its coordinates nor its event allocate: it joins the batch only if it is valid.
  EventRecord& record = filling_.records.next_event();
  RecordCoordinates& at = record.at;
  at.kafka_topic.assign(rd_kafka_topic_name(message.rkt));
  at.partition = message.partition;
  at.offset = message.offset;
  switch (tracker_.admit(at)) {
    case PartitionTracker::Admission::kAccept:
      break;
    case PartitionTracker::Admission::kAcceptAfterGap:
      // Normal where compaction, retention or transactions leave holes in the offsets (a
      // transactional producer leaves one per transaction), so only at debug level: chaos runs
      // log at debug, and on their plain topic a gap means records were skipped.
      spdlog::debug("worker {}: {} offset {} came after a gap in the offsets", settings_.owner,
                    to_string(at.topic_partition()), at.offset);
      break;
    case PartitionTracker::Admission::kRedelivery:
      probe_.redelivery_skipped();
      return;
    case PartitionTracker::Admission::kNotOwned:
    case PartitionTracker::Admission::kFenced:
      probe_.stale_record_dropped();
      return;
  }
  rd_kafka_timestamp_type_t timestamp_type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  if (const auto timestamp = rd_kafka_message_timestamp(&message, &timestamp_type);
      timestamp_type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
    filling_.timestamps_ms.push_back(timestamp);
  }
  if (message.payload == nullptr) {
    filling_.records.add_dead_letter(DeadLetter{.at = at,
                                                .key = bytes_of(message.key, message.key_len),
                                                .value = std::nullopt,
                                                .reason_code = "null_value",
                                                .reason = "the record has no value (null)"});
    return;
  }
  const std::string_view value(static_cast<const char*>(message.payload), message.len);
  const auto rejection = parser_.parse_into(value, record.event);
  if (!rejection) {
    filling_.records.keep_event();
    return;
  }
  filling_.records.add_dead_letter(
      DeadLetter{.at = at,
                 .key = bytes_of(message.key, message.key_len),
                 .value = std::string(value),
                 .reason_code = std::string(to_string(rejection->code)),
                 .reason = rejection->describe()});
}

std::vector<OffsetAdvance> Worker::offset_advances(const Batch& batch) const {
  std::vector<OffsetAdvance> advances;
  for (const auto& [tp, span] : batch.spans()) {
    const auto* owned = tracker_.find(tp);
    // take() admits records only of owned partitions, and revoking or fencing a partition drops
    // its records from both batches, so every span belongs to an owned partition. stored_next is
    // where the batch before left the partition: it has committed (start_write's precondition).
    advances.push_back(OffsetAdvance{.tp = tp,
                                     .epoch = owned->epoch,
                                     .expected_next = owned->stored_next,
                                     .new_next = span.next_offset});
  }
  return advances;
}

void Worker::start_write() {
  // in_flight_ is empty: swapping hands the batch over and keeps both buffers' capacity.
  std::swap(filling_, in_flight_);
  submit_in_flight();
}

void Worker::submit_in_flight() {
  write_ = write_thread_.submit(
      [this, offsets = offset_advances(in_flight_.records)] {
        ensure_database();
        const auto started = Clock::now();
        auto result = writer_->write(in_flight_.records, offsets);
        return WriteOutcome{.result = std::move(result),
                            .transaction_time = Clock::now() - started,
                            .committed_at = std::chrono::system_clock::now()};
      },
      // The worker is most likely blocked in poll(): it collects the outcome at once.
      [waker = consumer_->poll_waker()] { waker->wake(); });
}

void Worker::write_all(Persistence persistence) {
  finish_write(persistence);
  if (!filling_.empty()) {  // a failure above gives it up too
    start_write();
    finish_write(persistence);
  }
}

void Worker::finish_write(Persistence persistence) {
  while (write_) {
    try {
      const auto outcome = std::exchange(write_, std::nullopt)->get();
      if (outcome.result.status == WriteResult::Status::kFenced) {
        drop_fenced(outcome.result.fenced);
        if (!in_flight_.records.empty()) {
          submit_in_flight();  // the rest of the batch still belongs to us
        } else {
          in_flight_.clear();
        }
        continue;
      }
      after_commit(outcome);
      backoff_.reset();
    } catch (const std::exception& error) {
      database_failed(error, "committing a batch");
      // Metrics only: while commits fail the lag keeps moving (librdkafka goes on fetching),
      // which is what the lag and no-commit alerts watch.
      for (const auto& [tp, span] : in_flight_.records.spans()) {
        if (const auto high = consumer_->cached_high_watermark(tp)) {
          probe_.lag(tp, std::max<std::int64_t>(0, *high - span.first_offset));
        }
      }
      if (persistence == Persistence::kOneAttempt || !backoff_.wait(stop_)) {
        give_up_batches();
        return;
      }
      probe_.retry();
      submit_in_flight();
    }
  }
}

void Worker::give_up_batches() {
  // Only when stopping or losing every partition: the next owner (or this worker, after its next
  // claim) starts again from the offsets PostgreSQL holds. The batch filling goes too: it starts
  // where the one in flight ends, so it can never commit without it. And so must every record
  // of these partitions read from now on, until they are claimed again: the positions moved past
  // the given-up records, so a later batch would start where they end and advance the stored
  // offsets past records nobody counted (seen in a chaos run: a worker told to stop during a
  // back-off read one more record and committed it in its last transaction).
  spdlog::warn("worker {}: abandoning a batch of {} records and the {} read after it",
               settings_.owner, in_flight_.records.size(), filling_.records.size());
  std::set<TopicPartition> given_up;
  for (const auto* batch : {&in_flight_.records, &filling_.records}) {
    for (const auto& [tp, span] : batch->spans()) {
      given_up.insert(tp);
    }
  }
  in_flight_.clear();
  filling_.clear();
  stop_taking({given_up.begin(), given_up.end()});
}

void Worker::stop_taking(const std::vector<TopicPartition>& partitions) {
  if (partitions.empty()) {
    return;
  }
  for (const auto& tp : partitions) {
    tracker_.fence(tp);
    probe_.partition_released(tp);
  }
  consumer_->pause(partitions);
}

void Worker::drop_fenced(const std::vector<TopicPartition>& fenced) {
  spdlog::warn("worker {}: {} claimed by another worker; dropping their records", settings_.owner,
               describe(fenced));
  for (const auto& tp : fenced) {
    in_flight_.records.drop_partition(tp);
    filling_.records.drop_partition(tp);
  }
  stop_taking(fenced);
  probe_.batch_fenced(fenced.size());
}

void Worker::report_if_slow(const WriteOutcome& outcome) const {
  if (settings_.slow_transaction.count() == 0 ||
      outcome.transaction_time < settings_.slow_transaction) {
    return;
  }
  using Milliseconds = std::chrono::duration<double, std::milli>;
  const auto& phases = outcome.result.phases;
  spdlog::warn(
      "worker {}: slow transaction: {:.1f} ms for {} records (offsets {:.1f} ms, events {:.1f} "
      "ms, commit {:.1f} ms)",
      settings_.owner, Milliseconds(outcome.transaction_time).count(), in_flight_.records.size(),
      Milliseconds(phases.offsets).count(), Milliseconds(phases.events).count(),
      Milliseconds(phases.commit).count());
}

void Worker::after_commit(const WriteOutcome& outcome) {
  const auto& result = outcome.result;
  std::vector<std::pair<TopicPartition, std::int64_t>> next_offsets;
  for (const auto& [tp, span] : in_flight_.records.spans()) {
    // With the batches' spans a run's log accounts for every offset a worker stored. Checked
    // first: the arguments would be built (a string per span) even with debug off.
    if (spdlog::should_log(spdlog::level::debug)) {
      spdlog::debug("worker {}: {} stored at {} (batch: {} records from offset {})",
                    settings_.owner, to_string(tp), span.next_offset, span.records,
                    span.first_offset);
    }
    tracker_.committed(tp, span.next_offset);
    next_offsets.emplace_back(tp, span.next_offset);
    if (const auto high = consumer_->cached_high_watermark(tp)) {
      probe_.lag(tp, std::max<std::int64_t>(0, *high - span.next_offset));
    }
  }
  if (result.status == WriteResult::Status::kAlreadyApplied) {
    spdlog::info("worker {}: a retried batch had already committed", settings_.owner);
    probe_.batch_already_applied();
  } else {
    std::int64_t received = 0;
    std::int64_t unique = 0;
    for (const auto& topic : result.topics) {
      received += topic.received;
      unique += topic.unique;
    }
    probe_.batch_committed(in_flight_.records.size(), received, unique, outcome.transaction_time,
                           result.phases);
    report_if_slow(outcome);
    if (result.row_by_row) {
      probe_.batch_written_row_by_row();
    }
    probe_.known_new_inserted(result.known_new);
    if (result.known_new_stored) {
      probe_.known_new_found_stored();
    }
    for (const auto& letter : in_flight_.records.dead_letters()) {
      probe_.dead_lettered(letter.reason_code);
    }
    const auto committed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  outcome.committed_at.time_since_epoch())
                                  .count();
    for (const auto timestamp : in_flight_.timestamps_ms) {
      probe_.end_to_end_latency(
          std::chrono::milliseconds(std::max<std::int64_t>(0, committed_ms - timestamp)));
    }
  }
  consumer_->commit_async(next_offsets);
  in_flight_.clear();
}

std::optional<std::vector<StartOffset>> Worker::on_assign(
    const std::vector<TopicPartition>& partitions) {
  probe_.rebalance("assign");
  // The claims below use the database connection, which a transaction in flight holds. (With the
  // eager protocol a revoke, which ends it, always comes first: this is only a safeguard.)
  finish_write(Persistence::kOneAttempt);
  Backoff backoff(settings_.retry_initial, settings_.retry_max);
  while (!stop_.stop_requested()) {
    try {
      ensure_database();
      std::vector<StartOffset> starts;
      std::string claimed;
      for (auto& claim : claims_->claim(partitions)) {
        tracker_.claim(claim.tp, claim.epoch, claim.stored_next);
        claimed += fmt::format(
            "{}{} at {} (epoch {})", claimed.empty() ? "" : ", ", to_string(claim.tp),
            claim.stored_next ? std::to_string(*claim.stored_next) : "none", claim.epoch);
        starts.push_back(StartOffset{.tp = std::move(claim.tp), .offset = claim.stored_next});
      }
      probe_.partitions_assigned(static_cast<std::int64_t>(starts.size()));
      spdlog::info("worker {} claimed {}", settings_.owner, claimed);
      return starts;
    } catch (const std::exception& error) {
      database_failed(error, "claiming partitions");
      if (!backoff.wait(stop_)) {
        break;
      }
    }
  }
  return std::nullopt;
}

void Worker::on_revoke(const std::vector<TopicPartition>& partitions) {
  probe_.rebalance("revoke");
  // Until this callback returns, no other member is given these partitions (eager protocol),
  // so the batch in flight and the one filling can still be committed: fewer records for the
  // next owner to redo.
  // One attempt only: a rebalance must not wait on a database that is down.
  write_all(Persistence::kOneAttempt);
  for (const auto& tp : partitions) {
    filling_.records.drop_partition(tp);
    tracker_.release(tp);
    probe_.partition_released(tp);
  }
  probe_.partitions_assigned(-static_cast<std::int64_t>(partitions.size()));
  spdlog::info("worker {} released {}", settings_.owner, describe(partitions));
}

void Worker::ensure_database() {
  if (database_ && connection_still_open(*database_)) {
    return;
  }
  claims_.reset();
  writer_.reset();
  database_ = std::make_unique<pqxx::connection>(settings_.database_url);
  writer_ = std::make_unique<SinkWriter>(*database_, settings_.consumer_group,
                                         SinkWriter::kDefaultArrayStagingLimit,
                                         settings_.known_identities);
  claims_ =
      std::make_unique<PartitionClaims>(*database_, settings_.consumer_group, settings_.owner);
  spdlog::info("worker {} connected to PostgreSQL", settings_.owner);
}

void Worker::database_failed(const std::exception& error, std::string_view during) {
  const auto kind = error_kind(error);
  probe_.database_error(kind);
  spdlog::error("worker {}: PostgreSQL error ({}) while {}: {}", settings_.owner, kind, during,
                error.what());
  // Whatever went wrong, start the next attempt on a fresh session: a broken one may look open,
  // and a reconnect loses the session's staging table and prepared statements.
  claims_.reset();
  writer_.reset();
  database_.reset();
}

}  // namespace eventsink
