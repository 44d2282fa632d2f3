// The sink's promise, against the real broker and database: every record takes effect once.
#include <algorithm>
#include <filesystem>
#include <random>
#include <stop_token>
#include <thread>

#include <signal.h>

#include "consumer/known_identities.hpp"
#include "consumer/migrations.hpp"
#include "consumer/partition_claims.hpp"
#include "consumer/sink_writer.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;

class ExactlyOnce : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    auto connection = connect();
    apply_migrations(connection);
  }

  WorkerSettings settings(const std::string& owner) const {
    return worker_settings_for(*this, topic(), topic(), database_url(), owner);
  }

  std::string log_path(const std::string& name) const {
    return (std::filesystem::temp_directory_path() / (topic() + "-" + name + ".log")).string();
  }

  // Produces `count` records from `stream` (all of them valid) at about `rate` records per
  // second (0: as fast as possible), recording the ground truth.
  void produce_stream(EventStream& stream, int count, TestProducer& producer, GroundTruth& truth,
                      int rate = 0) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < count; ++i) {
      const Event event = stream.next();
      truth.valid(event.topic, event.event_id);
      producer.produce(key_of(event), to_json(event));
      if (rate > 0 && i % 100 == 99) {
        // Pacing the stream so that it spans the faults the test injects.
        std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      }
    }
  }

  void await_caught_up(const GroundTruth& truth, std::chrono::seconds timeout = 180s) {
    ASSERT_TRUE(eventually([&] { return caught_up(truth, database_url()); }, timeout, 200ms))
        << "the sink did not count every record within " << timeout.count() << " s; now "
        << read_sink_state(database_url()).received() << " of " << truth.received()
        << "; stored offsets:" << describe_stored_offsets(database_url());
  }
};

TEST_F(ExactlyOnce, DuplicatesAreStoredOnceWhereverTheyAppear) {
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  auto send = [&](const Event& event, std::int32_t partition) {
    truth.valid(event.topic, event.event_id);
    producer.produce(key_of(event), to_json(event), partition);
  };
  // Within one batch: the same event three times in a row on one partition.
  for (int i = 0; i < 3; ++i) {
    send(make_event("order.created", "same-batch", R"({"copy":)" + std::to_string(i) + "}"), 0);
  }
  // Across partitions: one identity on every partition.
  for (int p = 0; p < kPartitions; ++p) {
    send(make_event("order.created", "every-partition"), p);
  }
  // The same event_id under two topics: two events.
  send(make_event("user.login", "shared-id"), 1);
  send(make_event("payment.settled", "shared-id"), 2);
  producer.wait_delivered();
  {
    InProcessWorker worker(settings("w1"));
    await_caught_up(truth);
  }
  // Across batches: the same identities again, in a later batch of a restarted worker.
  send(make_event("order.created", "same-batch", R"({"late":true})"), 3);
  send(make_event("user.login", "shared-id"), 4);
  producer.wait_delivered();
  {
    InProcessWorker worker(settings("w2"));
    await_caught_up(truth);
  }
  const auto state = read_sink_state(database_url());
  expect_exact(truth, state);
  EXPECT_EQ(truth.unique(), 4) << "the ground truth itself";
  EXPECT_EQ(state.topics.at("order.created").unique, 2);
  EXPECT_EQ(state.topics.at("order.created").duplicates, 8);  // 10 received, 2 unique
  // The first copy of an event wins: later payloads never overwrite it.
  EXPECT_EQ(
      query_value<std::string>("SELECT payload::text FROM events WHERE event_id = 'same-batch'"),
      R"({"copy": 0})");
}

TEST_F(ExactlyOnce, MalformedRecordsAreDeadLetteredAndThePartitionKeepsFlowing) {
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"not json at all", "invalid_json"},
      {R"({"topic":"a","event_id":"x","timestamp":"2024-01-01T00:00:00Z","source":"s"})",
       "missing_field"},
      {R"({"topic":7,"event_id":"x","timestamp":"2024-01-01T00:00:00Z","source":"s","payload":{}})",
       "wrong_type"},
      {R"({"topic":"a","event_id":"x","timestamp":"yesterday","source":"s","payload":{}})",
       "invalid_timestamp"},
      {R"({"topic":"a","event_id":"x","timestamp":"2024-01-01T00:00:00Z","source":"s","payload":{"big":")" +
           std::string(70 * 1024, 'x') + R"("}})",
       "payload_too_large"},
  };
  // Bad and good records interleaved on ONE partition: the good ones after a bad one must flow.
  for (std::size_t i = 0; i < bad.size(); ++i) {
    producer.produce("bad-" + std::to_string(i), bad[i].first, 0);
    truth.invalid();
    const Event good = make_event("order.created", "after-bad-" + std::to_string(i));
    truth.valid(good.topic, good.event_id);
    producer.produce(key_of(good), to_json(good), 0);
  }
  producer.wait_delivered();
  InProcessWorker worker(settings("w1"));
  await_caught_up(truth);
  expect_exact(truth, read_sink_state(database_url()));

  auto connection = connect();
  pqxx::read_transaction tx(connection);
  const auto letters = tx.exec(
      "SELECT reason_code, reason, kafka_partition, kafka_offset, convert_from(record_value, "
      "'UTF8') FROM dead_letters ORDER BY kafka_offset");
  ASSERT_EQ(letters.size(), bad.size());
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(letters[i][0].as<std::string>(), bad[i].second) << letters[i][1].as<std::string>();
    EXPECT_FALSE(letters[i][1].as<std::string>().empty());
    EXPECT_EQ(letters[i][2].as<int>(), 0);
    EXPECT_EQ(letters[i][3].as<std::int64_t>(), static_cast<std::int64_t>(2 * i))
        << "coordinates of the bad record";
    EXPECT_EQ(letters[i][4].as<std::string>(), bad[i].first) << "raw bytes kept as they came";
  }
}

TEST_F(ExactlyOnce, RowTheDatabaseRefusesBecomesADeadLetterWithoutStallingThePartition) {
  // A rule our validator does not know: the row-by-row fallback must isolate the refused row.
  {
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0("ALTER TABLE events ADD CONSTRAINT no_poison CHECK (event_id <> 'poison')");
    tx.commit();
  }
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  for (const std::string id : {"before", "poison", "after"}) {
    const Event event = make_event("order.created", id);
    producer.produce(key_of(event), to_json(event), 0);
    if (id == "poison") {
      truth.invalid();
    } else {
      truth.valid(event.topic, event.event_id);
    }
  }
  producer.wait_delivered();
  InProcessWorker worker(settings("w1"));
  await_caught_up(truth);
  expect_exact(truth, read_sink_state(database_url()));
  EXPECT_EQ(query_value<std::string>("SELECT reason_code FROM dead_letters"), "database_rejected");
  EXPECT_EQ(worker.counter("eventsink_consumer_database_errors_total"), 0)
      << "the fallback must succeed on its first try";
  EXPECT_EQ(worker.counter("eventsink_consumer_batches_row_by_row_total"), 1)
      << "the one batch holding the refused row, and no other";
}

TEST_F(ExactlyOnce, StaleWorkerCannotCommitAfterAnotherClaimedItsPartition) {
  const TopicPartition p0{topic(), 0};
  auto connection_a = connect();
  auto connection_b = connect();
  PartitionClaims claims_a(connection_a, "group", "worker-a");
  PartitionClaims claims_b(connection_b, "group", "worker-b");
  SinkWriter writer_a(connection_a, "group");
  SinkWriter writer_b(connection_b, "group");

  const auto claim_a = claims_a.claim({p0}).at(0);
  Batch batch_a;
  batch_a.add_event({topic(), 0, 0}, make_event("order.created", "a-0"));
  batch_a.add_event({topic(), 0, 1}, make_event("order.created", "a-1"));
  const std::vector<OffsetAdvance> advance_a = {
      {.tp = p0, .epoch = claim_a.epoch, .expected_next = claim_a.stored_next, .new_next = 2}};

  // Worker B is assigned the partition while A still holds its batch (A is a zombie now).
  const auto claim_b = claims_b.claim({p0}).at(0);
  EXPECT_GT(claim_b.epoch, claim_a.epoch);

  const auto refused = writer_a.write(batch_a, advance_a);
  EXPECT_EQ(refused.status, WriteResult::Status::kFenced);
  EXPECT_EQ(refused.fenced, std::vector<TopicPartition>{p0});
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM events"), 0) << "nothing written";
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM topic_stats"), 0);

  // B processes the same records from the stored offset: they take effect once.
  Batch batch_b;
  batch_b.add_event({topic(), 0, 0}, make_event("order.created", "a-0"));
  batch_b.add_event({topic(), 0, 1}, make_event("order.created", "a-1"));
  const auto accepted = writer_b.write(
      batch_b,
      {{.tp = p0, .epoch = claim_b.epoch, .expected_next = claim_b.stored_next, .new_next = 2}});
  EXPECT_EQ(accepted.status, WriteResult::Status::kCommitted);
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM events"), 2);

  // Even with the right epoch, a batch that does not start at the stored offset is refused:
  // B replaying its own batch (as after a lost commit acknowledgement) changes nothing.
  const auto replay = writer_b.write(
      batch_b,
      {{.tp = p0, .epoch = claim_b.epoch, .expected_next = claim_b.stored_next, .new_next = 2}});
  EXPECT_EQ(replay.status, WriteResult::Status::kAlreadyApplied);
  EXPECT_EQ(query_value<std::int64_t>("SELECT received FROM topic_stats"), 2);
  const auto wrong_start = writer_b.write(
      batch_b, {{.tp = p0, .epoch = claim_b.epoch, .expected_next = 1, .new_next = 3}});
  EXPECT_EQ(wrong_start.status, WriteResult::Status::kFenced);
  EXPECT_EQ(query_value<std::int64_t>("SELECT received FROM topic_stats"), 2);
}

// The filter of stored identities (consumer/known_identities.hpp) lets events it does not hold
// go in without a conflict check. It is read when a process starts; another process may store
// the same events later. Then the plain insert meets the stored row, and the batch must be
// redone with every event checked: counted once, the first copy kept.
TEST_F(ExactlyOnce, AnEventKnownNewButStoredByAnotherProcessIsCountedOnce) {
  const TopicPartition p0{topic(), 0};
  const TopicPartition p1{topic(), 1};
  auto connection_a = connect();
  auto connection_b = connect();
  KnownIdentities known_b(64 * 1024);
  ASSERT_TRUE(load_known_identities(connection_b, known_b));  // B starts: nothing stored
  PartitionClaims claims_a(connection_a, "group", "process-a");
  PartitionClaims claims_b(connection_b, "group", "process-b");
  SinkWriter writer_a(connection_a, "group");
  SinkWriter writer_b(connection_b, "group", SinkWriter::kDefaultArrayStagingLimit, &known_b);

  // Process A stores "taken" (a record without a key, say, on A's partition).
  const auto claim_a = claims_a.claim({p0}).at(0);
  Batch batch_a;
  batch_a.add_event({topic(), 0, 0}, make_event("order.created", "taken", R"({"by":"a"})"));
  ASSERT_EQ(writer_a
                .write(batch_a, {{.tp = p0,
                                  .epoch = claim_a.epoch,
                                  .expected_next = claim_a.stored_next,
                                  .new_next = 1}})
                .status,
            WriteResult::Status::kCommitted);

  // Process B, whose filter does not hold it, receives a copy of it and a new event.
  const auto claim_b = claims_b.claim({p1}).at(0);
  Batch batch_b;
  batch_b.add_event({topic(), 1, 0}, make_event("order.created", "taken", R"({"by":"b"})"));
  batch_b.add_event({topic(), 1, 1}, make_event("order.created", "fresh"));
  const auto written = writer_b.write(
      batch_b,
      {{.tp = p1, .epoch = claim_b.epoch, .expected_next = claim_b.stored_next, .new_next = 2}});
  EXPECT_EQ(written.status, WriteResult::Status::kCommitted);
  EXPECT_TRUE(written.known_new_stored) << "the plain insert must have met A's row";
  EXPECT_EQ(written.known_new, 0u) << "the redone batch checks every event";
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM events"), 2);
  EXPECT_EQ(query_value<std::string>("SELECT payload->>'by' FROM events WHERE event_id = 'taken'"),
            "a");
  EXPECT_EQ(query_value<std::int64_t>("SELECT received FROM topic_stats"), 3);
  EXPECT_EQ(query_value<std::int64_t>("SELECT unique_events FROM topic_stats"), 2);
  EXPECT_EQ(query_value<std::int64_t>("SELECT duplicates FROM topic_stats"), 1);
  EXPECT_EQ(query_value<std::int64_t>("SELECT next_offset FROM partition_offsets "
                                      "WHERE kafka_partition = 1"),
            2)
      << "the redone batch still moved its partition's offset, once";
  // Both are stored now, so B's filter holds them from here on.
  EXPECT_TRUE(known_b.may_contain("order.created", "taken"));
  EXPECT_TRUE(known_b.may_contain("order.created", "fresh"));

  // For the next batches B checks every event, even one its filter does not hold.
  Batch next;
  next.add_event({topic(), 1, 2}, make_event("order.created", "later"));
  const auto checked =
      writer_b.write(next, {{.tp = p1, .epoch = claim_b.epoch, .expected_next = 2, .new_next = 3}});
  EXPECT_EQ(checked.status, WriteResult::Status::kCommitted);
  EXPECT_FALSE(checked.known_new_stored);
  EXPECT_EQ(checked.known_new, 0u);
}

// Stores the events "<prefix>0" ... "<prefix><count - 1>" of topic order.created as partition
// 0's first batch, the way a process without the filter would. Returns the claim written under.
Claim store_first_batch(const std::string& kafka_topic, pqxx::connection& connection,
                        const std::string& prefix, std::int64_t count) {
  const TopicPartition p0{kafka_topic, 0};
  const auto claim = PartitionClaims(connection, "group", "earlier").claim({p0}).at(0);
  SinkWriter writer(connection, "group");
  Batch batch;
  for (std::int64_t i = 0; i < count; ++i) {
    batch.add_event({kafka_topic, 0, i}, make_event("order.created", prefix + std::to_string(i)));
  }
  const auto written = writer.write(
      batch,
      {{.tp = p0, .epoch = claim.epoch, .expected_next = claim.stored_next, .new_next = count}});
  EXPECT_EQ(written.status, WriteResult::Status::kCommitted);
  return claim;
}

TEST_F(ExactlyOnce, EventsKnownNewGoInPlainlyAndTheStoredOnesAreChecked) {
  const TopicPartition p0{topic(), 0};
  auto connection = connect();
  const auto claim = store_first_batch(topic(), connection, "old-", 10);  // before the start
  KnownIdentities known(64 * 1024);
  ASSERT_TRUE(load_known_identities(connection, known));
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(known.may_contain("order.created", "old-" + std::to_string(i)));
  }
  // Each way of staging (arrays for a small batch, COPY for a large one): 3 stored events
  // again, 4 new ones, one of them twice.
  std::int64_t offset = 10;
  for (const std::size_t array_limit : {std::size_t{100}, std::size_t{0}}) {
    SinkWriter staged_by(connection, "group", array_limit, &known);
    const std::string round = array_limit == 0 ? "copy-" : "arrays-";
    Batch batch;
    const auto first = offset;
    for (int i = 0; i < 3; ++i) {
      batch.add_event({topic(), 0, offset++},
                      make_event("order.created", "old-" + std::to_string(i)));
    }
    for (int i = 0; i < 4; ++i) {
      batch.add_event({topic(), 0, offset++},
                      make_event("order.created", round + std::to_string(i)));
    }
    batch.add_event({topic(), 0, offset++}, make_event("order.created", round + "0"));
    const auto written = staged_by.write(
        batch, {{.tp = p0, .epoch = claim.epoch, .expected_next = first, .new_next = offset}});
    EXPECT_EQ(written.status, WriteResult::Status::kCommitted) << round;
    EXPECT_FALSE(written.known_new_stored) << round;
    EXPECT_EQ(written.known_new, 4u) << round;
    ASSERT_EQ(written.topics.size(), 1u);
    EXPECT_EQ(written.topics[0].received, 8) << round;
    EXPECT_EQ(written.topics[0].unique, 4) << round;
  }
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM events"), 18);
  EXPECT_EQ(query_value<std::int64_t>("SELECT received FROM topic_stats"), 26);
  EXPECT_EQ(query_value<std::int64_t>("SELECT duplicates FROM topic_stats"), 8);
}

TEST_F(ExactlyOnce, NoFilterIsLoadedForMoreIdentitiesThanItServes) {
  auto connection = connect();
  const auto capacity = static_cast<std::int64_t>(KnownIdentities(64).capacity());
  store_first_batch(topic(), connection, "", capacity + 1);
  KnownIdentities small(64);
  EXPECT_FALSE(load_known_identities(connection, small))
      << capacity + 1 << " identities, a filter for " << capacity;
  EXPECT_FALSE(small.complete()) << "an abandoned load is never trusted";
  KnownIdentities large(1024);
  EXPECT_TRUE(load_known_identities(connection, large));
  EXPECT_TRUE(large.complete());
  pqxx::nontransaction(connection).exec0("ANALYZE events");  // the estimate, then, says so
  KnownIdentities small_again(64);
  EXPECT_FALSE(load_known_identities(connection, small_again));
  EXPECT_FALSE(small_again.complete());
}

// The consumer loads its filter beside its workers (consumer/main.cpp). Until the load completes
// the filter does not yet hold what was stored before the start, so the writer must check every
// event, while adding what it writes; from then on it inserts the events the filter does not hold
// plainly.
TEST_F(ExactlyOnce, WhileTheFilterLoadsEveryEventIsChecked) {
  const TopicPartition p0{topic(), 0};
  auto connection = connect();
  const auto claim = store_first_batch(topic(), connection, "old-", 3);  // before the start
  KnownIdentities known(64 * 1024);
  SinkWriter writer(connection, "group", SinkWriter::kDefaultArrayStagingLimit, &known);
  const auto write = [&](std::int64_t first, const std::vector<std::string>& event_ids) {
    Batch batch;
    std::int64_t offset = first;
    for (const auto& event_id : event_ids) {
      batch.add_event({topic(), 0, offset++}, make_event("order.created", event_id));
    }
    return writer.write(
        batch, {{.tp = p0, .epoch = claim.epoch, .expected_next = first, .new_next = offset}});
  };

  const auto loading = write(3, {"old-0", "new-0", "new-1"});
  EXPECT_EQ(loading.status, WriteResult::Status::kCommitted);
  EXPECT_EQ(loading.known_new, 0u) << "an incomplete filter is not trusted";
  EXPECT_FALSE(loading.known_new_stored) << "old-0 went through the conflict check";
  ASSERT_EQ(loading.topics.size(), 1u);
  EXPECT_EQ(loading.topics[0].unique, 2);
  EXPECT_TRUE(known.may_contain("order.created", "new-0")) << "written while loading: added";

  std::stop_source stopped;
  stopped.request_stop();
  EXPECT_FALSE(load_known_identities(connection, known, stopped.get_token()));
  EXPECT_FALSE(known.complete()) << "a stopped load is never trusted";
  ASSERT_TRUE(load_known_identities(connection, known));

  const auto loaded = write(6, {"old-1", "new-0", "new-2"});
  EXPECT_EQ(loaded.status, WriteResult::Status::kCommitted);
  EXPECT_EQ(loaded.known_new, 1u) << "new-2 only: the rest are held";
  EXPECT_FALSE(loaded.known_new_stored);
  ASSERT_EQ(loaded.topics.size(), 1u);
  EXPECT_EQ(loaded.topics[0].unique, 1);
  EXPECT_EQ(query_value<std::int64_t>("SELECT count(*) FROM events"), 6);
  EXPECT_EQ(query_value<std::int64_t>("SELECT duplicates FROM topic_stats"), 3);
}

// A small batch is staged as array parameters, a large one with COPY (SinkWriter's
// constructor): each encodes the rows its own way, and both must store the same rows and counts,
// whatever bytes the events hold.
TEST_F(ExactlyOnce, SmallAndLargeBatchesStoreTheSameRowsAndCounts) {
  std::vector<Event> events = {
      make_event("order.created", R"(quote " and backslash \ in an id)",
                 R"({"text": "a \"quoted\" word, a \\ backslash", "n": 1})"),
      make_event("order.created", "{braces,commas} NULL",
                 R"({"list": [1, {"x": null}], "b": true})"),
      make_event("order.created", "tab\tnewline\nreturn\r", R"({"escaped": "\t\n\r\u0001"})"),
      make_event("user.login", "unicode é ✓ 日本", R"({"name": "Zoë ✓", "emoji": "🙂"})"),
      make_event("user.login", "", "{}"),
  };
  events[0].source = R"(src "with" \ quotes)";
  events[3].source = "NULL";
  const TopicPartition p0{topic(), 0};

  // Writes every event, the first one twice more (copies within the batch), as `group`.
  const auto write_all = [&](const std::string& group, std::size_t array_staging_limit) {
    auto connection = connect();
    PartitionClaims claims(connection, group, "writer");
    SinkWriter writer(connection, group, array_staging_limit);
    const auto claim = claims.claim({p0}).at(0);
    Batch batch;
    std::int64_t offset = 0;
    for (const auto& event : events) {
      batch.add_event({topic(), 0, offset++}, event);
    }
    batch.add_event({topic(), 0, offset++}, events[0]);
    batch.add_event({topic(), 0, offset++}, events[0]);
    const auto result = writer.write(
        batch,
        {{.tp = p0, .epoch = claim.epoch, .expected_next = claim.stored_next, .new_next = offset}});
    EXPECT_EQ(result.status, WriteResult::Status::kCommitted) << group;
    EXPECT_FALSE(result.row_by_row) << group << ": PostgreSQL refused the batch whole";
    EXPECT_TRUE(batch.dead_letters().empty()) << group;
  };
  const auto stored = [&] {
    auto connection = connect();
    pqxx::read_transaction tx(connection);
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : tx.exec(
             "SELECT topic, event_id, event_time::text, source, payload::text, kafka_topic, "
             "kafka_partition::text, kafka_offset::text FROM events ORDER BY topic, event_id")) {
      rows.emplace_back();
      for (const auto& field : row) {
        rows.back().push_back(field.as<std::string>());
      }
    }
    for (const auto& row :
         tx.exec("SELECT topic, received::text, unique_events::text, duplicates::text "
                 "FROM topic_stats ORDER BY topic")) {
      rows.push_back({"stats", row[0].as<std::string>(), row[1].as<std::string>(),
                      row[2].as<std::string>(), row[3].as<std::string>()});
    }
    return rows;
  };
  const auto clear = [&] {
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0("TRUNCATE events, topic_stats_shards");
    tx.commit();
  };

  write_all("as-arrays", /*array_staging_limit=*/events.size());
  const auto via_arrays = stored();
  clear();
  write_all("with-copy", /*array_staging_limit=*/0);
  const auto via_copy = stored();

  EXPECT_EQ(via_arrays, via_copy);
  ASSERT_EQ(via_copy.size(), events.size() + 2);  // the rows, then the two topics' statistics
  auto connection = connect();
  pqxx::nontransaction tx(connection);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& row = via_copy[i];
    const auto event = std::find_if(events.begin(), events.end(), [&](const Event& e) {
      return e.topic == row[0] && e.event_id == row[1];
    });
    ASSERT_NE(event, events.end()) << "an identity that was not sent: " << row[1];
    EXPECT_EQ(row[3], event->source);
    EXPECT_TRUE(
        tx.exec_params1("SELECT $1::jsonb = $2::jsonb", row[4], event->payload_json)[0].as<bool>())
        << row[4];
  }
  EXPECT_EQ(via_copy[events.size()],
            (std::vector<std::string>{"stats", "order.created", "5", "3", "2"}));
  EXPECT_EQ(via_copy[events.size() + 1],
            (std::vector<std::string>{"stats", "user.login", "2", "2", "0"}));
}

TEST_F(ExactlyOnce, ConsumerKilledWithSigkillRepeatedlyEndsExact) {
  constexpr int kRecords = 50'000;
  constexpr int kKills = 5;
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  EventStream stream(/*seed=*/20261121, /*duplicate_ratio=*/0.3);
  std::jthread streamer([&] { produce_stream(stream, kRecords, producer, truth, /*rate=*/600); });

  const auto arguments =
      consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2);
  std::mt19937 random(7);
  std::uniform_int_distribution<int> lifetime_ms(1500, 4000);
  int kills = 0;
  std::int64_t progress_at_last_kill = 0;
  while (kills < kKills) {
    ConsumerProcess consumer(arguments, log_path("consumer"));
    // Kill only once this incarnation made progress, so every kill lands mid-stream.
    ASSERT_TRUE(eventually(
        [&] {
          try {
            return read_sink_state(database_url()).received() > progress_at_last_kill;
          } catch (const std::exception&) {
            return false;  // schema not there yet
          }
        },
        60s))
        << "the consumer made no progress; see " << log_path("consumer");
    std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(random)));  // a random moment
    consumer.kill(SIGKILL);
    EXPECT_EQ(consumer.wait(), 128 + SIGKILL);
    progress_at_last_kill = read_sink_state(database_url()).received();
    EXPECT_LT(progress_at_last_kill, kRecords) << "kill " << kills << " came after the stream";
    ++kills;
  }
  streamer.join();
  producer.wait_delivered();
  ASSERT_LT(progress_at_last_kill, truth.received()) << "the kills must land mid-stream";

  ConsumerProcess survivor(arguments, log_path("consumer"));
  await_caught_up(truth);
  survivor.kill(SIGTERM);
  EXPECT_EQ(survivor.wait(), 0) << "SIGTERM is a clean shutdown";
  expect_exact(truth, read_sink_state(database_url()));
  EXPECT_EQ(kills, kKills);
}

// With the broker gone the consumer cannot leave its group properly, and a blocking close may
// wait for up to session.timeout.ms (45 s here, librdkafka's default). SIGTERM must still stop
// the consumer promptly and cleanly (the close gives up after 10 s), and what it stored stays
// exact.
TEST_F(ExactlyOnce, SigtermStopsTheConsumerPromptlyWhileTheBrokerIsDown) {
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  EventStream stream(/*seed=*/11, /*duplicate_ratio=*/0.3);
  produce_stream(stream, 2'000, producer, truth, /*rate=*/0);
  producer.wait_delivered();

  auto arguments = consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2);
  arguments.insert(arguments.end(), {"-X", "session.timeout.ms=45000"});  // librdkafka's default
  ConsumerProcess consumer(arguments, log_path("consumer"));
  await_caught_up(truth);
  ASSERT_FALSE(HasFatalFailure());

  ServerOutage outage("kafka");
  ASSERT_FALSE(HasFailure());
  const auto signalled = std::chrono::steady_clock::now();
  consumer.kill(SIGTERM);
  EXPECT_TRUE(eventually([&] { return !consumer.running(); }, 25s, 20ms))
      << "still running 25 s after SIGTERM; see " << log_path("consumer");
  const auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_EQ(consumer.wait(), 0) << "a bounded close is still a clean shutdown";
  EXPECT_LT(took, 15s) << "the close gives up after 10 s";
  outage.end();
  expect_exact(truth, read_sink_state(database_url()));
}

TEST_F(ExactlyOnce, PostgresRestartedMidStreamAndTheWorkerRecoversByItself) {
  constexpr int kRecords = 20'000;
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  EventStream stream(/*seed=*/42, /*duplicate_ratio=*/0.3);
  std::jthread streamer([&] { produce_stream(stream, kRecords, producer, truth, /*rate=*/3000); });

  InProcessWorker worker(settings("w1"));
  ASSERT_TRUE(eventually([&] { return read_sink_state(database_url()).received() > 1000; }, 60s));
  const std::string restart =
      std::string("bash ") + EVENTSINK_SOURCE_DIR + "/scripts/stack.sh restart postgres";
  ASSERT_EQ(std::system(restart.c_str()), 0) << restart;
  streamer.join();
  producer.wait_delivered();
  await_caught_up(truth);
  expect_exact(truth, read_sink_state(database_url()));
}

// A worker told to stop while it waits to retry a failed transaction gives that batch up. The
// records it reads after giving it up must not be written without it: the stored offset still
// stands where the given-up batch began, so a transaction holding later records would advance it
// past the given-up ones, which no worker would then ever count. (Found by a chaos run:
// PostgreSQL came back during the back-off, SIGTERM came, the worker gave the batch up, read one
// more record and committed it in its last transaction, four records past the stored offset.)
TEST_F(ExactlyOnce, StoppingDuringABackOffGivesTheBatchUpWithoutSkippingItsRecords) {
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  EventStream stream(/*seed=*/104, /*duplicate_ratio=*/0.3);
  produce_stream(stream, 500, producer, truth);
  producer.wait_delivered();

  auto patient = settings("w1");
  patient.retry_initial = std::chrono::minutes(5);  // a back-off that only the stop ends
  patient.retry_max = std::chrono::minutes(5);
  auto worker = std::make_unique<InProcessWorker>(patient);
  await_caught_up(truth);
  ASSERT_FALSE(HasFatalFailure());

  ServerOutage outage("postgres");
  ASSERT_FALSE(HasFailure());
  produce_stream(stream, 300, producer, truth);
  producer.wait_delivered();
  ASSERT_TRUE(eventually(
      [&] { return worker->counter("eventsink_consumer_database_errors_total") >= 1; }, 60s))
      << "the worker never tried to write while PostgreSQL was down";
  // More records reach the worker's queue while it waits out its back-off.
  produce_stream(stream, 300, producer, truth);
  producer.wait_delivered();
  outage.end();
  ASSERT_FALSE(HasFailure());
  worker.reset();  // stops it: the back-off ends, the batch is given up, the worker leaves

  InProcessWorker successor(settings("w2"));
  await_caught_up(truth, 60s);
  expect_exact(truth, read_sink_state(database_url()));
}

TEST_F(ExactlyOnce, SecondWorkerJoiningAndLeavingMidStreamKeepsCountsExact) {
  constexpr int kRecords = 30'000;
  TestProducer producer(endpoints().brokers, topic());
  GroundTruth truth;
  EventStream stream(/*seed=*/9, /*duplicate_ratio=*/0.3);
  std::jthread streamer([&] { produce_stream(stream, kRecords, producer, truth, /*rate=*/3000); });

  InProcessWorker first(settings("w1"));
  ASSERT_TRUE(eventually([&] { return read_sink_state(database_url()).received() > 2000; }, 60s));
  {
    InProcessWorker second(settings("w2"));
    // Wait until the second worker has really taken part (claimed partitions and committed).
    ASSERT_TRUE(eventually(
        [&] {
          return query_value<std::int64_t>(
                     "SELECT count(DISTINCT owner) FROM partition_offsets WHERE owner = 'w2'") == 1;
        },
        60s));
    const auto before = read_sink_state(database_url()).received();
    ASSERT_TRUE(eventually(
        [&] { return read_sink_state(database_url()).received() > before + 2000; }, 60s));
  }  // the second worker leaves the group: another rebalance
  streamer.join();
  producer.wait_delivered();
  await_caught_up(truth);
  expect_exact(truth, read_sink_state(database_url()));
  EXPECT_GE(query_value<std::int64_t>("SELECT max(owner_epoch) FROM partition_offsets"), 3)
      << "partitions changed hands at least twice";
}

}  // namespace
}  // namespace eventsink::testing
