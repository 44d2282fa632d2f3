// Aggregating ledgers into the statistics the sink must report.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "producer/expected_stats.hpp"

namespace eventsink {
namespace {

LedgerEntry event(const std::string& topic, const std::string& id, std::int64_t offset) {
  return {.topic = topic, .event_id = id, .partition = 0, .offset = offset};
}

LedgerEntry invalid(std::int64_t offset) {
  return {.topic = "", .event_id = "", .partition = 1, .offset = offset};
}

TEST(ProducerExpectedStats, CountsReceivedUniqueAndDuplicatesPerTopic) {
  ExpectedStats stats;
  stats.add(event("order.created", "a", 0));
  stats.add(event("order.created", "a", 1));  // duplicate
  stats.add(event("order.created", "b", 2));
  stats.add(event("user.login", "a", 3));     // same id, other topic: another event
  stats.add(event("order.created", "a", 4));  // duplicate again
  stats.add(invalid(5));
  stats.add(invalid(6));

  EXPECT_EQ(stats.received(), 5);
  EXPECT_EQ(stats.unique_processed(), 3);
  EXPECT_EQ(stats.duplicate_dropped(), 2);
  EXPECT_EQ(stats.dead_lettered(), 2);
  ASSERT_EQ(stats.topics().size(), 2u);
  EXPECT_EQ(stats.topics().at("order.created"),
            (TopicExpectation{.received = 4, .unique_processed = 2, .duplicate_dropped = 2}));
  EXPECT_EQ(stats.topics().at("user.login"),
            (TopicExpectation{.received = 1, .unique_processed = 1, .duplicate_dropped = 0}));
}

TEST(ProducerExpectedStats, JsonHasTheShapeOfTheConsumersStats) {
  ExpectedStats stats;
  stats.add(event("order.created", "a", 0));
  stats.add(event("order.created", "a", 1));
  stats.add(event("user.login", "x", 2));
  stats.add(invalid(3));
  EXPECT_EQ(stats.to_json(),
            R"({"received":3,"unique_processed":2,"duplicate_dropped":1,"topics":{)"
            R"("order.created":{"received":2,"unique_processed":1,"duplicate_dropped":1},)"
            R"("user.login":{"received":1,"unique_processed":1,"duplicate_dropped":0}},)"
            R"("dead_lettered":1})");
  EXPECT_EQ(nlohmann::json::parse(stats.to_json(2)), nlohmann::json::parse(stats.to_json()));
}

TEST(ProducerExpectedStats, AnEmptyLedgerExpectsNothing) {
  EXPECT_EQ(ExpectedStats().to_json(),
            R"({"received":0,"unique_processed":0,"duplicate_dropped":0,"topics":{},)"
            R"("dead_lettered":0})");
}

TEST(ProducerExpectedStats, SeveralLedgerFilesAddUpAcrossRuns) {
  const auto directory = std::filesystem::temp_directory_path();
  const auto first = directory / ("expected-1-" + std::to_string(::getpid()) + ".tsv");
  const auto second = directory / ("expected-2-" + std::to_string(::getpid()) + ".tsv");
  std::ofstream(first) << "order.created\ta\t0\t0\n\t\t1\t0\n";
  // A second run resends "a": a duplicate in the sink, even though each run sent it once.
  std::ofstream(second) << "order.created\ta\t0\t1\norder.created\tb\t2\t0\n";
  ExpectedStats stats;
  stats.add_ledger_file(first.string());
  stats.add_ledger_file(second.string());
  EXPECT_EQ(stats.received(), 3);
  EXPECT_EQ(stats.unique_processed(), 2);
  EXPECT_EQ(stats.duplicate_dropped(), 1);
  EXPECT_EQ(stats.dead_lettered(), 1);
  std::filesystem::remove(first);
  std::filesystem::remove(second);
}

TEST(ProducerExpectedStats, AMissingOrMalformedLedgerIsAnError) {
  ExpectedStats stats;
  EXPECT_THROW(stats.add_ledger_file("/nonexistent/ledger.tsv"), std::runtime_error);
  const auto path = std::filesystem::temp_directory_path() /
                    ("expected-bad-" + std::to_string(::getpid()) + ".tsv");
  std::ofstream(path) << "order.created\ta\t0\n";
  EXPECT_THROW(stats.add_ledger_file(path.string()), LedgerFormatError);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace eventsink
