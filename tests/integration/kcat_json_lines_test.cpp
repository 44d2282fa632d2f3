// kcat as a producer: the exact `kcat -P` lines README.md documents send valid events
// that the sink counts as it counts the bundled producer's.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "common/event.hpp"
#include "common/kafka_admin.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;

int run(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class KcatJsonLines : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    // The same records twice: "<key>\t<json>" lines for kcat -K, and the bare JSON lines.
    EventStream stream(/*seed=*/77, /*duplicate_ratio=*/0.3);
    std::ofstream keyed(keyed_file());
    std::ofstream bare(bare_file());
    for (int i = 0; i < kEvents; ++i) {
      const Event event = stream.next();
      truth_.valid(event.topic, event.event_id);
      keyed << key_of(event) << '\t' << to_json(event) << '\n';
      bare << to_json(event) << '\n';
      if (i % 1000 == 500) {  // an invalid record now and then, with a key and without one
        keyed << "bad-" << i << "\t{\"topic\":\"order.created\"}\n"
              << "not json at all\n";
        bare << "{\"topic\":\"order.created\"}\n"
             << "not json at all\n";
        truth_.invalid();
        truth_.invalid();
      }
    }
  }

  void TearDown() override {
    if (!HasFailure()) {
      std::filesystem::remove(keyed_file());
      std::filesystem::remove(bare_file());
      std::filesystem::remove(temporary("ledger.tsv"));
      std::filesystem::remove(temporary("producer.log"));
      std::filesystem::remove(temporary("consumer.log"));
    }
    if (!second_topic_.empty()) {
      kafka::delete_topic(kafka::connection_to(endpoints().brokers), second_topic_);
    }
    StackTest::TearDown();
  }

  std::filesystem::path temporary(const std::string& name) const {
    return std::filesystem::temp_directory_path() / (topic() + "-" + name);
  }
  std::filesystem::path keyed_file() const { return temporary("events.tsv"); }
  std::filesystem::path bare_file() const { return temporary("events.jsonl"); }

  void consume_and_expect_ground_truth() {
    ConsumerProcess consumer(
        consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2),
        temporary("consumer.log").string());
    ASSERT_TRUE(eventually([&] { return caught_up(truth_, database_url()); }, 180s, 200ms))
        << "the sink did not count every record; see " << temporary("consumer.log");
    expect_exact(truth_, read_sink_state(database_url()));
    consumer.kill(SIGTERM);
    EXPECT_EQ(consumer.wait(), 0);
  }

  static constexpr int kEvents = 5000;
  GroundTruth truth_;
  std::string second_topic_;
};

TEST_F(KcatJsonLines, KeyedLinesAreCountedAndPartitionedAsTheProducerDoes) {
  // Exactly the command of README.md, with this test's broker, topic and file.
  const std::string kcat = "kcat -P -b " + endpoints().brokers + " -t " + topic() +
                           " -K '\\t' -X partitioner=murmur2_random -X enable.idempotence=true"
                           " -X max.in.flight=1 -l " +
                           keyed_file().string();
  ASSERT_EQ(run(kcat), 0) << kcat;
  consume_and_expect_ground_truth();

  // The same events through eventsink-producer into a second topic: every event lands on the
  // partition kcat chose for it (the key is the same, and so is the murmur2 partitioner).
  second_topic_ = topic() + "_p";
  const auto ledger = temporary("ledger.tsv");
  const std::string replay = std::string(EVENTSINK_PRODUCER_BINARY) + " replay " +
                             bare_file().string() + " --brokers " + endpoints().brokers +
                             " --kafka-topic " + second_topic_ + " --partitions " +
                             std::to_string(kPartitions) + " --ledger " + ledger.string() + " 2>" +
                             temporary("producer.log").string();
  ASSERT_EQ(run(replay), 0) << read_file(temporary("producer.log"));
  std::map<std::pair<std::string, std::string>, int> producer_partition;
  std::istringstream lines(read_file(ledger));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string topic_name, event_id, partition;
    std::getline(fields, topic_name, '\t');
    std::getline(fields, event_id, '\t');
    std::getline(fields, partition, '\t');
    if (!topic_name.empty()) {
      producer_partition[{topic_name, event_id}] = std::stoi(partition);
    }
  }
  ASSERT_EQ(producer_partition.size(), std::size_t(truth_.unique()));
  auto connection = connect();
  pqxx::read_transaction tx(connection);
  std::size_t compared = 0;
  for (const auto& row : tx.exec("SELECT topic, event_id, kafka_partition FROM events")) {
    const auto it = producer_partition.find({row[0].as<std::string>(), row[1].as<std::string>()});
    ASSERT_NE(it, producer_partition.end());
    EXPECT_EQ(row[2].as<int>(), it->second) << it->first.first << "/" << it->first.second;
    ++compared;
  }
  EXPECT_EQ(compared, producer_partition.size());

  // And `expect` on the producer's ledger announces what the sink counted from kcat's records.
  const std::string expect = std::string(EVENTSINK_PRODUCER_BINARY) + " expect " + ledger.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(expect.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) {
    output.append(buffer, n);
  }
  const auto expected = nlohmann::json::parse(output);
  const SinkState state = read_sink_state(database_url());
  EXPECT_EQ(expected["received"].get<std::int64_t>(), state.received());
  EXPECT_EQ(expected["unique_processed"].get<std::int64_t>(), truth_.unique());
  EXPECT_EQ(expected["dead_lettered"].get<std::int64_t>(), state.dead_letters);
  for (const auto& [name, counts] : expected["topics"].items()) {
    EXPECT_EQ(counts["received"].get<std::int64_t>(), state.topics.at(name).received) << name;
    EXPECT_EQ(counts["unique_processed"].get<std::int64_t>(), state.topics.at(name).unique);
    EXPECT_EQ(counts["duplicate_dropped"].get<std::int64_t>(), state.topics.at(name).duplicates);
  }
}

TEST_F(KcatJsonLines, UnkeyedLinesAreCountedExactlyToo) {
  // Without keys the copies of an event spread over partitions; the sink still stores it once.
  const std::string kcat = "kcat -P -b " + endpoints().brokers + " -t " + topic() +
                           " -X enable.idempotence=true -X max.in.flight=1 -l " +
                           bare_file().string();
  ASSERT_EQ(run(kcat), 0) << kcat;
  consume_and_expect_ground_truth();
}

}  // namespace
}  // namespace eventsink::testing
