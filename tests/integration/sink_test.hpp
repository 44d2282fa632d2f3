// Tools for testing the sink end to end: a ground truth of what was produced, the state the sink
// reached in PostgreSQL, and consumers run in-process (Worker threads) or as real processes
// that can be killed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/registry.h>
#include <sys/types.h>

#include "common/event.hpp"
#include "consumer/consumer_probe.hpp"
#include "consumer/known_identities.hpp"
#include "consumer/worker.hpp"
#include "tests/integration/child_process.hpp"
#include "tests/integration/stack_test.hpp"

namespace eventsink::testing {

// What the sink must end up with, computed from what the test produced.
class GroundTruth {
 public:
  void valid(const std::string& topic, const std::string& event_id);
  void invalid() { ++invalid_; }

  std::int64_t received() const;
  std::int64_t unique() const;
  std::int64_t invalid_records() const { return invalid_; }
  const std::map<std::string, std::int64_t>& received_by_topic() const { return received_; }
  std::map<std::string, std::int64_t> unique_by_topic() const;

 private:
  std::map<std::string, std::int64_t> received_;
  std::map<std::string, std::set<std::string>> identities_;
  std::int64_t invalid_ = 0;
};

// Generates valid events of a few topics, a share of which repeat an earlier identity (with a
// different timestamp and payload, as a retrying upstream would send them).
class EventStream {
 public:
  EventStream(std::uint32_t seed, double duplicate_ratio);
  Event next();

 private:
  std::mt19937 random_;
  double duplicate_ratio_;
  std::vector<std::pair<std::string, std::string>> sent_;
  std::uint64_t counter_ = 0;
};

Event make_event(std::string topic, std::string event_id, std::string payload_json = "{}");
// Kafka key that sends every copy of an event to the same partition.
std::string key_of(const Event& event);

struct TopicState {
  std::int64_t received = 0;
  std::int64_t unique = 0;
  std::int64_t duplicates = 0;
  std::int64_t rows = 0;
};

struct SinkState {
  std::map<std::string, TopicState> topics;
  std::int64_t dead_letters = 0;
  std::int64_t received() const;
};

SinkState read_sink_state(const std::string& database_url);

// The offsets PostgreSQL stores, one partition per line ("t[2] at 83, owner w1, epoch 1"): for
// a failure message that must say which partition fell behind.
std::string describe_stored_offsets(const std::string& database_url);

// Asserts (gtest) that the sink's rows, stats and dead letters are exactly the ground truth.
void expect_exact(const GroundTruth& truth, const SinkState& state);

// True once the sink has counted every record the ground truth holds (valid and invalid).
bool caught_up(const GroundTruth& truth, const std::string& database_url);

// A consumer worker on a thread of the test process.
class InProcessWorker {
 public:
  InProcessWorker(WorkerSettings settings);
  ~InProcessWorker();  // stops and joins

  void stop();
  // The sum of a counter's series (all label values), e.g. "eventsink_consumer_retries_total".
  double counter(const std::string& name);

 private:
  prometheus::Registry registry_;
  ConsumerProbe probe_;
  KnownIdentities known_identities_;  // this "process's", as the consumer's
  std::jthread thread_;
};

WorkerSettings worker_settings_for(const StackTest& test, const std::string& group,
                                   const std::string& topic, const std::string& database_url,
                                   const std::string& owner);

// Arguments that point the consumer binary at a test's topic and schema.
std::vector<std::string> consumer_arguments(const std::string& brokers, const std::string& group,
                                            const std::string& topic,
                                            const std::string& database_url, int workers);

}  // namespace eventsink::testing
