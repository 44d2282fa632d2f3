#include "consumer/sink_writer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>

#include <spdlog/spdlog.h>

#include "consumer/binary_copy.hpp"
#include "consumer/copy_in.hpp"

namespace eventsink {
namespace {

// A session-local staging table: COPY is the fastest way into PostgreSQL, and a temporary table
// is private to the connection, so workers never see each other's staged rows. ON COMMIT DELETE
// ROWS empties it at the end of every transaction, committed or not. `copies` is the number of
// the batch's records a row stands for (see staged_events); `known_new` says the event is
// certainly not stored yet (known_identities.hpp), so it needs no conflict check.
constexpr const char* kCreateStaging = R"sql(
CREATE TEMP TABLE IF NOT EXISTS batch_events (
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

constexpr std::size_t kStagingColumns = 10;

constexpr const char* kCopyStaging =
    "COPY batch_events (topic, event_id, event_time, source, payload, kafka_topic, "
    "kafka_partition, kafka_offset, copies, known_new) FROM STDIN (FORMAT binary)";

constexpr const char* kAdvanceOffset = R"sql(
UPDATE partition_offsets
   SET next_offset = $5, updated_at = now()
 WHERE consumer_group = $1 AND kafka_topic = $2 AND kafka_partition = $3
   AND owner_epoch = $4 AND next_offset IS NOT DISTINCT FROM $6::bigint
)sql";

constexpr const char* kReadOffset = R"sql(
SELECT owner_epoch, next_offset FROM partition_offsets
 WHERE consumer_group = $1 AND kafka_topic = $2 AND kafka_partition = $3
)sql";

// The body of the statement that inserts the staged events (the rows of batch_events), then adds
// each topic's counts to its stats row for shard $1 in topic order (see stats_shard), and returns
// those counts; one round trip for the whole batch. Every record of the batch is received (the
// sum of the copies); the staged rows that were inserted are the first sightings.
//
// The events known to be new go in with a plain INSERT, the others with ON CONFLICT DO NOTHING
// (known_identities.hpp says why). If a known-new event is stored after all, the plain INSERT
// fails with a unique violation, and SinkWriter::write redoes the batch with none known new.
//
// There is no ORDER BY: the rows are staged in write order (staged_events), and a sequential scan
// returns them nearly so. Nearly: COPY puts a row that does not fit its current page on an
// earlier page with room, if there is one. That costs nothing here, since each event is staged
// once: the order is only the lock order, and two workers inserting the same events in
// conflicting orders deadlock, which PostgreSQL detects and the worker retries (only records
// without a key can put one event on two partitions). Sorting in SQL instead made PostgreSQL copy
// every row, payload included, through a tuplesort: about 5 % of its CPU per event.
constexpr const char* kInsertAndCount = R"sql(
inserted_new AS (
    INSERT INTO events (topic, event_id, event_time, source, payload,
                        kafka_topic, kafka_partition, kafka_offset)
    SELECT topic, event_id, event_time, source, payload, kafka_topic, kafka_partition, kafka_offset
      FROM batch_events
     WHERE known_new
    RETURNING topic
), inserted_checked AS (
    INSERT INTO events (topic, event_id, event_time, source, payload,
                        kafka_topic, kafka_partition, kafka_offset)
    SELECT topic, event_id, event_time, source, payload, kafka_topic, kafka_partition, kafka_offset
      FROM batch_events
     WHERE NOT known_new
    ON CONFLICT (topic, event_id) DO NOTHING
    RETURNING topic
), inserted AS (
    SELECT topic FROM inserted_new UNION ALL SELECT topic FROM inserted_checked
), received AS (
    SELECT topic, sum(copies) AS received FROM batch_events GROUP BY topic
), fresh AS (
    SELECT topic, count(*) AS fresh FROM inserted GROUP BY topic
), counts AS (
    SELECT r.topic, r.received, coalesce(f.fresh, 0) AS fresh
      FROM received r LEFT JOIN fresh f USING (topic)
), bumped AS (
    INSERT INTO topic_stats_shards AS s (topic, shard, received, unique_events, duplicates)
    SELECT topic, $1::integer, received, fresh, received - fresh FROM counts ORDER BY topic
    ON CONFLICT (topic, shard) DO UPDATE
       SET received      = s.received + excluded.received,
           unique_events = s.unique_events + excluded.unique_events,
           duplicates    = s.duplicates + excluded.duplicates,
           last_seen     = now()
)
SELECT topic, received, fresh FROM counts ORDER BY topic
)sql";

// The same statement for a small batch, its rows sent as one array parameter per column instead
// of through COPY: the CTE named batch_events hides the staging table, so the rest is the same
// statement, and unnest yields the rows in the arrays' order, which is write order.
//
// Why two ways: the staging table costs a fixed amount per transaction, which a small batch
// cannot spread. ON COMMIT DELETE ROWS truncates it at every commit, and a truncation rebuilds the
// index of the table's TOAST table and closes and reopens its files: perf of a backend committing
// 10-row batches put a quarter of its time there. In the sink's own transaction (eventsink-bench
// sink-transaction), 25-record batches staged as arrays ran 1.2-1.7 times as fast as through the
// table; from about 100 records on the two ways were even within the noise (COPY then sent text;
// its binary format is cheaper still), and PostgreSQL parses array literals more slowly than COPY
// data, so large batches keep COPY.
constexpr const char* kBatchEventsFromArrays = R"sql(
WITH batch_events AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::jsonb[],
                         $7::text[], $8::integer[], $9::bigint[], $10::integer[], $11::boolean[])
        AS a (topic, event_id, event_time, source, payload,
              kafka_topic, kafka_partition, kafka_offset, copies, known_new)
),)sql";

std::string insert_staged_sql() {
  return std::string("WITH") + kInsertAndCount;
}
std::string insert_arrays_sql() {
  return std::string(kBatchEventsFromArrays) + kInsertAndCount;
}

constexpr const char* kInsertOne = R"sql(
INSERT INTO events (topic, event_id, event_time, source, payload,
                    kafka_topic, kafka_partition, kafka_offset)
VALUES ($1, $2, $3::timestamptz, $4, $5::jsonb, $6, $7, $8)
ON CONFLICT (topic, event_id) DO NOTHING
)sql";

constexpr const char* kAddTopicCounts = R"sql(
INSERT INTO topic_stats_shards AS s (topic, shard, received, unique_events, duplicates)
VALUES ($1, $4::integer, $2::bigint, $3::bigint, $2::bigint - $3::bigint)
ON CONFLICT (topic, shard) DO UPDATE
   SET received      = s.received + excluded.received,
       unique_events = s.unique_events + excluded.unique_events,
       duplicates    = s.duplicates + excluded.duplicates,
       last_seen     = now()
)sql";

constexpr const char* kInsertDeadLetter = R"sql(
INSERT INTO dead_letters (kafka_topic, kafka_partition, kafka_offset,
                          record_key, record_value, reason_code, reason)
VALUES ($1, $2, $3, decode($4, 'hex'), decode($5, 'hex'), $6, $7)
ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING
)sql";

// The statistics row of each topic a batch adds its counts to: the lowest partition the batch
// holds (0 for none). Workers own disjoint partitions, so their transactions update different
// rows and never wait for one another's commit (sql/migrations/0003_topic_stats_in_shards.sql).
std::int32_t stats_shard(const Batch& batch) {
  std::optional<std::int32_t> lowest;
  for (const auto& [tp, span] : batch.spans()) {
    lowest = std::min(tp.partition, lowest.value_or(tp.partition));
  }
  return lowest.value_or(0);
}

void append_number(std::string& out, std::int64_t value) {
  std::array<char, 24> digits{};
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out.append(digits.data(), end);
}

// Appends `time` as timestamptz input, "2024-05-01 12:00:00.250000+00" (UTC, microseconds).
// Validated events have years 1 to 9999, so every field has a fixed width.
void append_timestamp(std::string& out, EventTime time) {
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss clock{time - day};
  std::array<char, 29> text{};
  std::size_t at = 0;
  const auto put = [&](long value, int width, char after) {
    for (int digit = width - 1; digit >= 0; --digit) {
      text[at + static_cast<std::size_t>(digit)] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    at += static_cast<std::size_t>(width);
    text[at++] = after;
  };
  put(static_cast<int>(date.year()), 4, '-');
  put(static_cast<unsigned>(date.month()), 2, '-');
  put(static_cast<unsigned>(date.day()), 2, ' ');
  put(clock.hours().count(), 2, ':');
  put(clock.minutes().count(), 2, ':');
  put(clock.seconds().count(), 2, '.');
  put(clock.subseconds().count(), 6, '+');
  out.append(text.data(), at);
  out += "00";
}

// Streams a batch's rows into the staging table with COPY in its binary format, encoding them as
// it goes. COPY data need not be cut at rows, so rows go in chunks of about kChunkBytes: few calls,
// and neither this side nor libpq's output buffer ever holds a whole batch.
//
// libpqxx 6.4 cannot send binary COPY data (copy_in.hpp), and its own text path, stream_to, took
// tuples and escaped, converted and copied each field on its own, several allocations per field:
// measured, that was once the largest part of the consumer's own CPU time per event.
class StagingCopy {
 public:
  static constexpr std::size_t kChunkBytes = 64 * 1024;

  // `chunk` is the caller's buffer, kept between batches so that its capacity is reused.
  StagingCopy(pqxx::work& tx, std::string& chunk) : copy_(tx, kCopyStaging), chunk_(chunk) {
    chunk_.clear();
    append_staging_header(chunk_);
  }

  void add(const EventRecord& record, std::int64_t copies, bool known_new) {
    append_staging_row(chunk_, record, copies, known_new);
    if (chunk_.size() >= kChunkBytes) {
      copy_.send(chunk_);
      chunk_.clear();
    }
  }

  // Sends what is left and ends the COPY; PostgreSQL reports bad rows here.
  void complete() {
    append_staging_trailer(chunk_);
    copy_.send(chunk_);
    chunk_.clear();
    copy_.finish();
  }

 private:
  CopyIn copy_;
  std::string& chunk_;
};

// Appends `text` as a quoted element of a PostgreSQL array literal. Within double quotes only a
// double quote and a backslash are special (each escaped with a backslash); braces, commas,
// whitespace and the word NULL are taken as they are.
void append_array_element(std::string& out, std::string_view text) {
  constexpr std::string_view kSpecial = "\"\\";
  out += '"';
  std::size_t from = 0;
  for (auto at = text.find_first_of(kSpecial); at != std::string_view::npos;
       at = text.find_first_of(kSpecial, from)) {
    out.append(text.substr(from, at - from));
    out += '\\';
    out += text[at];
    from = at + 1;
  }
  out.append(text.substr(from));
  out += '"';
}

// A small batch's staging rows as array literals, one per staging column, in the staging table's
// order (the parameters $2 to $11 of kBatchEventsFromArrays).
class StagingArrays {
 public:
  using Columns = std::array<std::string, kStagingColumns>;

  // `columns` is the caller's, kept between batches so that its strings' capacity is reused.
  explicit StagingArrays(Columns& columns) : columns_(columns) {
    for (auto& column : columns_) {
      column.assign(1, '{');
    }
  }

  void add(const EventRecord& record, std::int64_t copies, bool known_new) {
    const auto& [at, event] = record;
    if (rows_++ > 0) {
      for (auto& column : columns_) {
        column += ',';
      }
    }
    append_array_element(columns_[0], event.topic);
    append_array_element(columns_[1], event.event_id);
    columns_[2] += '"';
    append_timestamp(columns_[2], event.timestamp);
    columns_[2] += '"';
    append_array_element(columns_[3], event.source);
    append_array_element(columns_[4], event.payload_json);
    append_array_element(columns_[5], at.kafka_topic);
    append_number(columns_[6], at.partition);
    append_number(columns_[7], at.offset);
    append_number(columns_[8], copies);
    columns_[9] += known_new ? 't' : 'f';
  }

  // Closes the literals and returns them.
  const Columns& complete() {
    for (auto& column : columns_) {
      column += '}';
    }
    return columns_;
  }

 private:
  Columns& columns_;
  std::size_t rows_ = 0;
};

bool same_identity(const Event& a, const Event& b) {
  return a.topic == b.topic && a.event_id == b.event_id;
}

// Write order (see staged_events), with the Kafka coordinates as the tie-break that puts an
// event's first copy in front of its later ones.
bool in_write_order(const EventRecord& a, const EventRecord& b) {
  // std::string_view compares like memcmp, unsigned bytes, a prefix first: PostgreSQL's "C".
  const auto key = [](const EventRecord& record) {
    return std::tuple(std::string_view(record.event.event_id), std::string_view(record.event.topic),
                      std::string_view(record.at.kafka_topic), record.at.partition,
                      record.at.offset);
  };
  return key(a) < key(b);
}

// The first eight bytes of `text` as a big-endian number, zeros after its end: when the keys of
// two strings differ, they compare as the strings do (memcmp order, a prefix first).
std::uint64_t leading_bytes_key(std::string_view text) {
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    key = (key << 8) | (i < text.size() ? static_cast<unsigned char>(text[i]) : 0u);
  }
  return key;
}

// The positions of `events`, sorted into write order. Each is sorted with the key of its event_id
// beside it (PostgreSQL's abbreviated keys): most comparisons end there, on two integers in the
// array being sorted, instead of following two records to their strings.
std::vector<std::size_t> write_order(std::span<const EventRecord> events) {
  struct Entry {
    std::uint64_t key;
    std::size_t index;
  };
  std::vector<Entry> entries(events.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i] = Entry{leading_bytes_key(events[i].event.event_id), i};
  }
  std::sort(entries.begin(), entries.end(), [&events](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : in_write_order(events[a.index], events[b.index]);
  });
  std::vector<std::size_t> order(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = entries[i].index;
  }
  return order;
}

std::optional<std::string> hex(const std::optional<std::string>& bytes) {
  if (!bytes) {
    return std::nullopt;
  }
  static constexpr std::array<char, 16> kDigits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                   '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string text;
  text.reserve(bytes->size() * 2);
  for (const unsigned char byte : *bytes) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0x0f]);
  }
  return text;
}

}  // namespace

// A batch often holds an event more than once (a producer retrying soon after its first send).
// Staging only its first copy, with the count of its copies, lets PostgreSQL parse and
// conflict-check each event once per batch instead of once per record, while the statistics
// still count every record (received is the sum of the copies). Sorting the batch into write
// order puts an event's copies side by side, the first one in front.
std::vector<StagedEvent> staged_events(std::span<const EventRecord> events) {
  std::vector<StagedEvent> staged;
  for (const std::size_t i : write_order(events)) {
    if (staged.empty() || !same_identity(events[staged.back().index].event, events[i].event)) {
      staged.push_back(StagedEvent{.index = i, .copies = 1});
    } else {
      ++staged.back().copies;
    }
  }
  return staged;
}

void append_staging_row(std::string& out, const EventRecord& record, std::int64_t copies,
                        bool known_new) {
  const auto& [at, event] = record;
  binary_copy::append_row_start(out, static_cast<std::int16_t>(kStagingColumns));
  binary_copy::append_text(out, event.topic);
  binary_copy::append_text(out, event.event_id);
  binary_copy::append_timestamptz(out, event.timestamp);
  binary_copy::append_text(out, event.source);
  binary_copy::append_jsonb(out, event.payload_json);
  binary_copy::append_text(out, at.kafka_topic);
  binary_copy::append_int4(out, at.partition);
  binary_copy::append_int8(out, at.offset);
  binary_copy::append_int4(out, static_cast<std::int32_t>(copies));  // at most a batch's records
  binary_copy::append_bool(out, known_new);
}

void append_staging_header(std::string& out) {
  binary_copy::append_header(out);
}

void append_staging_trailer(std::string& out) {
  binary_copy::append_trailer(out);
}

SinkWriter::SinkWriter(pqxx::connection& connection, std::string consumer_group,
                       std::size_t array_staging_limit, KnownIdentities* known)
    : connection_(connection),
      consumer_group_(std::move(consumer_group)),
      array_staging_limit_(array_staging_limit),
      known_(known) {
  pqxx::nontransaction setup(connection_);
  setup.exec0(kCreateStaging);
  connection_.prepare("eventsink_advance_offset", kAdvanceOffset);
  connection_.prepare("eventsink_read_offset", kReadOffset);
  connection_.prepare("eventsink_insert_staged", insert_staged_sql());
  connection_.prepare("eventsink_insert_arrays", insert_arrays_sql());
  connection_.prepare("eventsink_insert_one", kInsertOne);
  connection_.prepare("eventsink_add_topic_counts", kAddTopicCounts);
  connection_.prepare("eventsink_insert_dead_letter", kInsertDeadLetter);
}

WriteResult SinkWriter::write(Batch& batch, const std::vector<OffsetAdvance>& offsets) {
  bool known_new_stored = false;
  try {
    // Until the filter is complete an identity it does not hold may still be stored.
    if (known_ != nullptr && known_->complete() && checked_batches_left_ == 0) {
      try {
        return write_once(batch, offsets, Mode::kBulk);
      } catch (const pqxx::unique_violation& error) {
        // Only the plain INSERT of known-new events can violate a unique constraint.
        spdlog::info(
            "an event known to be new was stored by another process ({}); retrying the batch "
            "of {} records with every event conflict-checked, and the next {} batches",
            error.what(), batch.size(), kCheckedBatchesAfterMiss);
        known_new_stored = true;
        checked_batches_left_ = kCheckedBatchesAfterMiss + 1;
      }
    }
    checked_batches_left_ = std::max(0, checked_batches_left_ - 1);
    auto result = write_once(batch, offsets, Mode::kBulkChecked);
    result.known_new_stored = known_new_stored;
    return result;
  } catch (const pqxx::data_exception& error) {
    spdlog::warn("PostgreSQL refused a batch of {} records ({}); retrying row by row", batch.size(),
                 error.what());
  } catch (const pqxx::check_violation& error) {
    spdlog::warn("PostgreSQL refused a batch of {} records ({}); retrying row by row", batch.size(),
                 error.what());
  }
  auto result = write_once(batch, offsets, Mode::kRowByRow);
  result.row_by_row = true;
  result.known_new_stored = known_new_stored;
  return result;
}

WriteResult SinkWriter::write_once(Batch& batch, const std::vector<OffsetAdvance>& offsets,
                                   Mode mode) {
  using Clock = std::chrono::steady_clock;
  const auto began = Clock::now();
  pqxx::work tx(connection_);
  // Offsets first: the conditional update both checks ownership and locks the partition rows,
  // so no other worker can claim them while this transaction is open.
  if (auto fenced = advance_offsets(tx, offsets); !fenced.empty()) {
    if (already_applied(tx, offsets)) {
      WriteResult applied;
      applied.status = WriteResult::Status::kAlreadyApplied;
      return applied;
    }
    WriteResult refused;
    refused.status = WriteResult::Status::kFenced;
    refused.fenced = std::move(fenced);
    return refused;
  }
  WriteResult result;
  const auto offsets_advanced = Clock::now();
  result.topics = mode == Mode::kRowByRow
                      ? insert_events_row_by_row(tx, batch)
                      : insert_events_bulk(tx, batch, mode == Mode::kBulk, result.known_new);
  insert_dead_letters(tx, batch);
  result.dead_lettered = batch.dead_letters().size();
  const auto events_written = Clock::now();
  tx.commit();
  result.phases = TransactionPhases{.offsets = offsets_advanced - began,
                                    .events = events_written - offsets_advanced,
                                    .commit = Clock::now() - events_written};
  return result;
}

std::vector<TopicPartition> SinkWriter::advance_offsets(pqxx::work& tx,
                                                        const std::vector<OffsetAdvance>& offsets) {
  std::vector<TopicPartition> fenced;
  for (const auto& advance : offsets) {  // sorted by partition: the lock order
    const auto updated = tx.exec_prepared("eventsink_advance_offset", consumer_group_,
                                          advance.tp.topic, advance.tp.partition, advance.epoch,
                                          advance.new_next, advance.expected_next);
    if (updated.affected_rows() != 1) {
      fenced.push_back(advance.tp);
    }
  }
  return fenced;
}

bool SinkWriter::already_applied(pqxx::work& tx, const std::vector<OffsetAdvance>& offsets) {
  // If the connection broke after COMMIT reached the server, the batch is in and its retry finds
  // every offset already at the batch's end under our own epoch. Anything else is a real fence.
  return std::all_of(offsets.begin(), offsets.end(), [&](const OffsetAdvance& advance) {
    const auto row = tx.exec_prepared("eventsink_read_offset", consumer_group_, advance.tp.topic,
                                      advance.tp.partition);
    return row.size() == 1 && row[0][0].as<std::int64_t>() == advance.epoch &&
           !row[0][1].is_null() && row[0][1].as<std::int64_t>() == advance.new_next;
  });
}

std::vector<TopicCounts> SinkWriter::insert_events_bulk(pqxx::work& tx, const Batch& batch,
                                                        bool trust_known, std::size_t& known_new) {
  if (batch.events().empty()) {
    return {};
  }
  const auto staged = staged_events(batch.events());
  const auto shard = stats_shard(batch);
  // decltype(auto): StagingArrays::complete() returns a reference to its columns, not a copy.
  const auto stage_all = [&](auto& staging) -> decltype(auto) {
    for (const auto& row : staged) {
      const auto& record = batch.events()[row.index];
      // Every staged event is added, so that the filter holds whatever the table may hold.
      const bool is_new = known_ != nullptr &&
                          known_->add(record.event.topic, record.event.event_id) && trust_known;
      known_new += is_new ? 1 : 0;
      staging.add(record, row.copies, is_new);
    }
    return staging.complete();
  };
  pqxx::result rows;
  if (staged.size() <= array_staging_limit_) {
    StagingArrays arrays(staging_arrays_);
    const auto& columns = stage_all(arrays);
    rows = tx.exec_prepared("eventsink_insert_arrays", shard, columns[0], columns[1], columns[2],
                            columns[3], columns[4], columns[5], columns[6], columns[7], columns[8],
                            columns[9]);
  } else {
    StagingCopy staging(tx, staging_chunk_);
    stage_all(staging);
    rows = tx.exec_prepared("eventsink_insert_staged", shard);
  }
  std::vector<TopicCounts> counts;
  for (const auto& row : rows) {
    counts.push_back(TopicCounts{.topic = row[0].as<std::string>(),
                                 .received = row[1].as<std::int64_t>(),
                                 .unique = row[2].as<std::int64_t>()});
  }
  return counts;
}

std::vector<TopicCounts> SinkWriter::insert_events_row_by_row(pqxx::work& tx, Batch& batch) {
  // Slow path, taken only after PostgreSQL refused the bulk insert: each row in its own
  // savepoint, so one refused row becomes a dead letter instead of blocking its partition.
  std::map<std::string, TopicCounts> counts;
  std::vector<std::pair<std::size_t, std::string>> refused;
  const auto& events = batch.events();
  for (const std::size_t i : write_order(events)) {
    const auto& [at, event] = events[i];
    if (known_ != nullptr) {
      known_->add(event.topic, event.event_id);  // the filter must hold what the table may
    }
    tx.exec0("SAVEPOINT eventsink_row");
    try {
      const auto inserted = tx.exec_prepared(
          "eventsink_insert_one", event.topic, event.event_id, format_timestamp(event.timestamp),
          event.source, event.payload_json, at.kafka_topic, at.partition, at.offset);
      tx.exec0("RELEASE SAVEPOINT eventsink_row");
      auto& topic = counts[event.topic];
      topic.topic = event.topic;
      ++topic.received;
      topic.unique += static_cast<std::int64_t>(inserted.affected_rows());
    } catch (const pqxx::data_exception& error) {
      tx.exec0("ROLLBACK TO SAVEPOINT eventsink_row");
      refused.emplace_back(i, error.what());
    } catch (const pqxx::check_violation& error) {
      tx.exec0("ROLLBACK TO SAVEPOINT eventsink_row");
      refused.emplace_back(i, error.what());
    }
  }
  // Demote from the back so earlier indexes stay valid.
  std::sort(refused.begin(), refused.end(), std::greater<>());
  for (auto& [index, reason] : refused) {
    batch.demote_event(index, "database_rejected", "database rejected the event: " + reason);
  }
  std::vector<TopicCounts> result;
  for (auto& [name, topic] : counts) {
    result.push_back(std::move(topic));
  }
  add_topic_counts(tx, result, stats_shard(batch));
  return result;
}

void SinkWriter::add_topic_counts(pqxx::work& tx, const std::vector<TopicCounts>& counts,
                                  std::int32_t shard) {
  for (const auto& topic : counts) {  // sorted by topic: the lock order
    tx.exec_prepared0("eventsink_add_topic_counts", topic.topic, topic.received, topic.unique,
                      shard);
  }
}

void SinkWriter::insert_dead_letters(pqxx::work& tx, const Batch& batch) {
  for (const auto& letter : batch.dead_letters()) {
    tx.exec_prepared0("eventsink_insert_dead_letter", letter.at.kafka_topic, letter.at.partition,
                      letter.at.offset, hex(letter.key), hex(letter.value), letter.reason_code,
                      letter.reason);
  }
}

}  // namespace eventsink
