#include "tests/integration/sink_test.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "common/settings.hpp"
#include "consumer/consumer_config.hpp"

namespace eventsink::testing {

void GroundTruth::valid(const std::string& topic, const std::string& event_id) {
  ++received_[topic];
  identities_[topic].insert(event_id);
}

std::int64_t GroundTruth::received() const {
  std::int64_t total = 0;
  for (const auto& [topic, count] : received_) {
    total += count;
  }
  return total;
}

std::int64_t GroundTruth::unique() const {
  std::int64_t total = 0;
  for (const auto& [topic, ids] : identities_) {
    total += static_cast<std::int64_t>(ids.size());
  }
  return total;
}

std::map<std::string, std::int64_t> GroundTruth::unique_by_topic() const {
  std::map<std::string, std::int64_t> result;
  for (const auto& [topic, ids] : identities_) {
    result[topic] = static_cast<std::int64_t>(ids.size());
  }
  return result;
}

EventStream::EventStream(std::uint32_t seed, double duplicate_ratio)
    : random_(seed), duplicate_ratio_(duplicate_ratio) {}

Event EventStream::next() {
  static const std::vector<std::string> kTopics = {"order.created", "user.login",
                                                   "payment.settled"};
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  const auto n = counter_++;
  if (!sent_.empty() && coin(random_) < duplicate_ratio_) {
    std::uniform_int_distribution<std::size_t> pick(0, sent_.size() - 1);
    const auto& [topic, id] = sent_[pick(random_)];
    // Same identity, another timestamp and payload: still a duplicate.
    return make_event(topic, id, R"({"copy":)" + std::to_string(n) + "}");
  }
  std::uniform_int_distribution<std::size_t> topic(0, kTopics.size() - 1);
  Event event = make_event(kTopics[topic(random_)], "evt-" + std::to_string(n),
                           R"({"n":)" + std::to_string(n) + R"(,"note":"first"})");
  sent_.emplace_back(event.topic, event.event_id);
  return event;
}

Event make_event(std::string topic, std::string event_id, std::string payload_json) {
  return Event{.topic = std::move(topic),
               .event_id = std::move(event_id),
               .timestamp = std::chrono::time_point_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now()),
               .source = "tests",
               .payload_json = std::move(payload_json)};
}

std::string key_of(const Event& event) {
  return event.topic + "/" + event.event_id;
}

std::int64_t SinkState::received() const {
  std::int64_t total = 0;
  for (const auto& [topic, state] : topics) {
    total += state.received;
  }
  return total;
}

SinkState read_sink_state(const std::string& database_url) {
  pqxx::connection connection(database_url);
  pqxx::read_transaction tx(connection);
  SinkState state;
  for (const auto& row :
       tx.exec("SELECT topic, received, unique_events, duplicates FROM topic_stats")) {
    auto& topic = state.topics[row[0].as<std::string>()];
    topic.received = row[1].as<std::int64_t>();
    topic.unique = row[2].as<std::int64_t>();
    topic.duplicates = row[3].as<std::int64_t>();
  }
  for (const auto& row : tx.exec("SELECT topic, count(*) FROM events GROUP BY topic")) {
    state.topics[row[0].as<std::string>()].rows = row[1].as<std::int64_t>();
  }
  state.dead_letters = tx.exec1("SELECT count(*) FROM dead_letters")[0].as<std::int64_t>();
  return state;
}

std::string describe_stored_offsets(const std::string& database_url) {
  pqxx::connection connection(database_url);
  pqxx::read_transaction tx(connection);
  std::string text;
  for (const auto& row :
       tx.exec("SELECT kafka_topic, kafka_partition, coalesce(next_offset::text, 'none'), owner, "
               "owner_epoch FROM partition_offsets ORDER BY kafka_topic, kafka_partition")) {
    text += fmt::format("\n  {}[{}] at {}, owner {}, epoch {}", row[0].c_str(), row[1].c_str(),
                        row[2].c_str(), row[3].c_str(), row[4].c_str());
  }
  return text.empty() ? "\n  (no partition stored)" : text;
}

void expect_exact(const GroundTruth& truth, const SinkState& state) {
  const auto unique = truth.unique_by_topic();
  EXPECT_EQ(state.topics.size(), truth.received_by_topic().size()) << "topics differ";
  for (const auto& [name, received] : truth.received_by_topic()) {
    const auto it = state.topics.find(name);
    ASSERT_NE(it, state.topics.end()) << "topic " << name << " missing from the sink";
    const auto& topic = it->second;
    EXPECT_EQ(topic.received, received) << name << ": received";
    EXPECT_EQ(topic.unique, unique.at(name)) << name << ": unique";
    EXPECT_EQ(topic.duplicates, received - unique.at(name)) << name << ": duplicates";
    EXPECT_EQ(topic.rows, unique.at(name)) << name << ": stored rows";
  }
  EXPECT_EQ(state.dead_letters, truth.invalid_records()) << "dead letters";
}

bool caught_up(const GroundTruth& truth, const std::string& database_url) {
  try {
    const auto state = read_sink_state(database_url);
    return state.received() >= truth.received() && state.dead_letters >= truth.invalid_records();
  } catch (const std::exception&) {
    return false;  // the database may be restarting; the caller's deadline decides
  }
}

InProcessWorker::InProcessWorker(WorkerSettings settings)
    : probe_(registry_), known_identities_(KnownIdentities::kDefaultMib << 20) {
  // As eventsink-consumer does (consumer/main.cpp), but loaded before the worker starts, so that
  // tests know the filter is trusted from the first batch. It outlives the worker's thread.
  pqxx::connection connection(settings.database_url);
  if (!load_known_identities(connection, known_identities_)) {
    throw std::runtime_error("the filter of stored identities did not load");
  }
  settings.known_identities = &known_identities_;
  thread_ = std::jthread([this, settings = std::move(settings)](std::stop_token stop) {
    Worker worker(settings, probe_);
    worker.run(stop);
  });
}

InProcessWorker::~InProcessWorker() {
  stop();
}

void InProcessWorker::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

double InProcessWorker::counter(const std::string& name) {
  double total = 0;
  for (const auto& family : registry_.Collect()) {
    if (family.name == name) {
      for (const auto& metric : family.metric) {
        total += metric.counter.value;
      }
    }
  }
  return total;
}

WorkerSettings worker_settings_for(const StackTest& /*test*/, const std::string& group,
                                   const std::string& topic, const std::string& database_url,
                                   const std::string& owner) {
  ConsumerConfig config;
  config.brokers = endpoints_from_environment().brokers;
  config.group = group;
  config.instance = owner;
  // Quick failure detection keeps rebalances in tests short.
  config.kafka_overrides = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
  // librdkafka's debug contexts (e.g. "consumer,fetch,topic") for chasing a stall in one test.
  if (const auto debug = env_or("EVENTSINK_TEST_KAFKA_DEBUG", ""); !debug.empty()) {
    config.kafka_overrides.emplace_back("debug", debug);
  }
  auto properties = consumer_properties(config, 0);
  return WorkerSettings{.database_url = database_url,
                        .consumer_group = group,
                        .topics = {topic},
                        .kafka_properties = std::move(properties),
                        .owner = owner,
                        .batch_records = 500,
                        .batch_linger = std::chrono::milliseconds(20),
                        .retry_initial = std::chrono::milliseconds(50),
                        .retry_max = std::chrono::milliseconds(1000)};
}

std::vector<std::string> consumer_arguments(const std::string& brokers, const std::string& group,
                                            const std::string& topic,
                                            const std::string& database_url, int workers) {
  return {"--brokers",
          brokers,
          "--group",
          group,
          "--topic",
          topic,
          "--database-url",
          database_url,
          "--workers",
          std::to_string(workers),
          "--http-port",
          "0",
          "--batch-size",
          "500",
          "--batch-linger-ms",
          "20",
          "-X",
          "session.timeout.ms=6000",
          "-X",
          "heartbeat.interval.ms=500",
          "--log-level",
          "info"};
}

}  // namespace eventsink::testing
