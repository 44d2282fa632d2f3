// The integration test fixture: a real Kafka broker and a real PostgreSQL, per test isolated.
//
// Each test gets its own Kafka topic (kPartitions partitions) and its own PostgreSQL schema;
// database_url() points at that schema (through search_path), so the code under test needs no
// knowledge of the isolation. Both are removed after the test unless EVENTSINK_KEEP_TEST_DATA=1.
//
// The servers are the ones the environment names (EVENTSINK_BROKERS, EVENTSINK_DATABASE_URL;
// see scripts/env.sh). When one is not reachable the test FAILS, saying how to start the stack:
// an integration test that skips would hide a broken stack.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/kafka_producer.hpp"
#include "common/settings.hpp"

namespace eventsink::testing {

// Polls `condition` until it holds or `timeout` passes; returns whether it held. Tests use this
// instead of sleeping: it waits exactly as long as needed, and a deadline turns a hang into a
// failure.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(50));

// Stops one server of the local stack ("kafka" or "postgres", through scripts/stack.sh) and
// starts it again when end() is called or the guard goes out of scope, however the test ends:
// the stack is shared by every test that runs after this one.
class ServerOutage {
 public:
  explicit ServerOutage(std::string server);  // fails the test if the server would not stop
  ~ServerOutage();
  ServerOutage(const ServerOutage&) = delete;
  ServerOutage& operator=(const ServerOutage&) = delete;

  // Starts the server again (once); fails the test if it does not start.
  void end();

 private:
  std::string server_;
  bool ended_ = false;
};

// Records produced through TestProducer, with the broker's coordinates once acknowledged.
struct ProducedRecord {
  std::string key;
  std::string value;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

// A synchronous-looking producer for tests: produce() queues, wait_delivered() returns once the
// broker acknowledged everything, and fails the test if any record was refused.
class TestProducer {
 public:
  explicit TestProducer(const std::string& brokers, const std::string& topic);

  void produce(const std::string& key, const std::string& value, std::int32_t partition = -1);
  void wait_delivered();
  std::size_t delivered() const;

 private:
  std::string topic_;
  mutable std::mutex mutex_;
  std::size_t queued_ = 0;
  std::size_t delivered_ = 0;
  std::vector<std::string> failures_;
  std::unique_ptr<kafka::Producer> producer_;
};

class StackTest : public ::testing::Test {
 protected:
  static constexpr int kPartitions = 6;

  void SetUp() override;
  void TearDown() override;

  const Endpoints& endpoints() const { return endpoints_; }
  const std::string& topic() const { return topic_; }
  const std::string& schema() const { return schema_; }
  // A libpq URL whose sessions work in this test's schema.
  const std::string& database_url() const { return database_url_; }

  pqxx::connection connect() const { return pqxx::connection(database_url_); }
  // Runs a query in this test's schema and returns its single value as T.
  template <typename T>
  T query_value(const std::string& sql) const {
    auto connection = connect();
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<T>();
  }

 private:
  Endpoints endpoints_;
  std::string topic_;
  std::string schema_;
  std::string database_url_;
};

// A TCP port nobody listens on right now on 127.0.0.1 (the kernel's choice for port 0), for a
// server a test starts. Throws std::runtime_error when none can be had.
int free_port();

// Appends `options=-csearch_path=<schema>` to a libpq URL.
std::string with_search_path(const std::string& url, const std::string& schema);

}  // namespace eventsink::testing
