// Schema migrations against the real PostgreSQL: an upgrade keeps what the sink has counted.
#include "consumer/migrations.hpp"

#include <string>

#include "consumer/partition_claims.hpp"
#include "consumer/sink_writer.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

class Migrations : public StackTest {
 protected:
  // Brings this test's schema to `version` the way apply_migrations would, without the rest.
  void migrate_up_to(int version) {
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0(
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
        "applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& migration : bundled_migrations()) {
      if (migration.version <= version) {
        tx.exec0(std::string(migration.sql));
        tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        migration.version, std::string(migration.name));
      }
    }
    tx.commit();
  }

  struct Stats {
    std::int64_t received = 0;
    std::int64_t unique = 0;
    std::int64_t duplicates = 0;
    bool operator==(const Stats&) const = default;
  };

  Stats stats_of(const std::string& event_topic) const {
    auto connection = connect();
    pqxx::nontransaction tx(connection);
    const auto row = tx.exec_params1(
        "SELECT received, unique_events, duplicates FROM topic_stats WHERE topic = $1",
        event_topic);
    return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>()};
  }
};

TEST_F(Migrations, StatisticsMovedIntoShardsKeepTheirCountsAndGoOnAddingUp) {
  migrate_up_to(2);  // one statistics row per topic
  {
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0(
        "INSERT INTO topic_stats (topic, received, unique_events, duplicates) "
        "VALUES ('order.created', 10, 7, 3), ('user.login', 5, 5, 0)");
    tx.commit();
  }

  auto connection = connect();
  EXPECT_GE(apply_migrations(connection), 1);
  EXPECT_EQ(stats_of("order.created"), (Stats{10, 7, 3}));
  EXPECT_EQ(stats_of("user.login"), (Stats{5, 5, 0}));

  // A batch of partition 3 adds to a shard of its own; the view sums both.
  const TopicPartition p3{topic(), 3};
  PartitionClaims claims(connection, "group", "worker");
  SinkWriter writer(connection, "group");
  const auto claim = claims.claim({p3}).at(0);
  Batch batch;
  batch.add_event({topic(), 3, 0}, make_event("order.created", "o-1"));
  batch.add_event({topic(), 3, 1}, make_event("order.created", "o-1"));
  const auto result = writer.write(
      batch, {{.tp = p3, .epoch = claim.epoch, .expected_next = claim.stored_next, .new_next = 2}});
  ASSERT_EQ(result.status, WriteResult::Status::kCommitted);

  EXPECT_EQ(stats_of("order.created"), (Stats{12, 8, 4}));
  EXPECT_EQ(query_value<std::int64_t>(
                "SELECT count(*) FROM topic_stats_shards WHERE topic = 'order.created'"),
            2);
  EXPECT_EQ(query_value<std::int64_t>("SELECT received FROM topic_stats_shards "
                                      "WHERE topic = 'order.created' AND shard = 3"),
            2);
}

}  // namespace
}  // namespace eventsink::testing
