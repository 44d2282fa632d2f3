// eventsink-producer against the real broker and database: what its ledger says the sink must
// report (`expect`) is exactly what the real consumer stores.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <variant>

#include <fcntl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/event.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

struct CommandResult {
  int status = -1;  // exit code, or 128 + signal
  std::string output;
};

int exit_status(int raw) {
  if (raw == -1) {
    return -1;
  }
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

// Runs `command` through /bin/sh and returns its exit status and standard output.
CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    return result;
  }
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) {
    result.output.append(buffer, n);
  }
  result.status = exit_status(pclose(pipe.release()));
  return result;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::size_t count_lines(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// GET `url`; the body, or nullopt when the request failed or the status was not 200.

// The value of a counter in Prometheus text format, or -1 when absent.
double metric_value(const std::string& text, const std::string& name) {
  const std::regex line("(^|\n)" + name + " ([0-9.e+]+)");
  std::smatch match;
  if (std::regex_search(text, match, line)) {
    return std::stod(match[2].str());
  }
  return -1;
}

// The first "key=N" of the producer's summary line in `log`, or -1.
long long summary_value(const std::string& log, const std::string& key) {
  const std::regex word("summary: .*\\b" + key + "=([0-9]+)");
  std::smatch match;
  if (std::regex_search(log, match, word)) {
    return std::stoll(match[1].str());
  }
  return -1;
}

class ProducerEndToEnd : public StackTest {
 protected:
  std::filesystem::path temporary(const std::string& name) const {
    return std::filesystem::temp_directory_path() / (topic() + "-" + name);
  }

  void TearDown() override {
    for (const auto& entry :
         std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
      if (entry.path().filename().string().rfind(topic() + "-", 0) == 0 && !HasFailure()) {
        std::filesystem::remove(entry.path());  // kept when the test failed, for a look
      }
    }
    StackTest::TearDown();
  }

  // The producer binary with `arguments`, aimed at this test's broker and topic; its standard
  // error goes to `log`. Returns the exit status.
  int producer(const std::string& arguments, const std::filesystem::path& log,
               const std::string& stdin_file = "") const {
    std::string command = std::string(EVENTSINK_PRODUCER_BINARY) + " " + arguments + " --brokers " +
                          endpoints().brokers + " --kafka-topic " + topic() + " 2>" + log.string();
    if (!stdin_file.empty()) {
      command += " <" + stdin_file;
    }
    return exit_status(std::system(command.c_str()));
  }

  Json expect(const std::vector<std::filesystem::path>& ledgers) const {
    std::string command = std::string(EVENTSINK_PRODUCER_BINARY) + " expect";
    for (const auto& ledger : ledgers) {
      command += " " + ledger.string();
    }
    const CommandResult result = run_command(command);
    EXPECT_EQ(result.status, 0) << command;
    return Json::parse(result.output);
  }

  std::vector<std::string> consumer_arguments_with_http(int http_port) const {
    auto arguments = consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2);
    const auto flag = std::find(arguments.begin(), arguments.end(), "--http-port");
    *(flag + 1) = std::to_string(http_port);
    arguments.insert(arguments.end(), {"--http-address", "127.0.0.1"});
    return arguments;
  }

  // Waits until the sink has counted as many records as `expected` announces.
  void await_sink(const Json& expected, std::chrono::seconds timeout = 240s) const {
    const auto received = expected["received"].get<std::int64_t>();
    const auto dead = expected["dead_lettered"].get<std::int64_t>();
    ASSERT_TRUE(eventually(
        [&] {
          try {
            const auto state = read_sink_state(database_url());
            return state.received() >= received && state.dead_letters >= dead;
          } catch (const std::exception&) {
            return false;  // the consumer has not created its tables yet
          }
        },
        timeout, 200ms))
        << "the sink did not catch up within " << timeout.count() << " s";
  }

  // Asserts that the database holds exactly what `expected` (expect's JSON) announces.
  static void expect_database_equals(const Json& expected, const SinkState& state) {
    ASSERT_EQ(state.topics.size(), expected["topics"].size()) << expected.dump();
    for (const auto& [name, counts] : expected["topics"].items()) {
      const auto it = state.topics.find(name);
      ASSERT_NE(it, state.topics.end()) << "topic " << name << " missing from the sink";
      EXPECT_EQ(it->second.received, counts["received"].get<std::int64_t>()) << name;
      EXPECT_EQ(it->second.unique, counts["unique_processed"].get<std::int64_t>()) << name;
      EXPECT_EQ(it->second.duplicates, counts["duplicate_dropped"].get<std::int64_t>()) << name;
      EXPECT_EQ(it->second.rows, counts["unique_processed"].get<std::int64_t>())
          << name << ": stored rows";
    }
    EXPECT_EQ(state.received(), expected["received"].get<std::int64_t>());
    EXPECT_EQ(state.dead_letters, expected["dead_lettered"].get<std::int64_t>());
  }
};

TEST_F(ProducerEndToEnd, GeneratedLoadWithDuplicatesEndsExactlyAsTheLedgerExpects) {
  constexpr int kRecords = 100'000;
  const int http_port = free_port();
  ConsumerProcess consumer(consumer_arguments_with_http(http_port), temporary("consumer.log"));

  const auto ledger = temporary("ledger.tsv");
  const auto log = temporary("producer.log");
  ASSERT_EQ(producer("generate --count " + std::to_string(kRecords) +
                         " --duplicates 0.3 --seed 20261121 --ledger " + ledger.string(),
                     log),
            0)
      << read_file(log);
  EXPECT_EQ(count_lines(ledger), std::size_t(kRecords)) << "one line per delivered record";
  const std::string producer_log = read_file(log);
  EXPECT_EQ(summary_value(producer_log, "acked"), kRecords) << producer_log;
  EXPECT_NEAR(double(summary_value(producer_log, "duplicates")) / kRecords, 0.3, 0.01);

  const Json expected = expect({ledger});
  EXPECT_EQ(expected["received"], kRecords);
  EXPECT_EQ(expected["dead_lettered"], 0);
  EXPECT_EQ(expected["topics"].size(), 3u);
  EXPECT_NEAR(expected["duplicate_dropped"].get<double>() / kRecords, 0.3, 0.01);

  await_sink(expected);
  expect_database_equals(expected, read_sink_state(database_url()));

  // What a crash-test script compares: the consumer's own GET /stats.
  const auto stats = http_get("http://127.0.0.1:" + std::to_string(http_port) + "/stats");
  ASSERT_EQ(stats.status, 200) << "GET /stats: " << stats.body;
  Json reported = stats.json();
  reported.erase("uptime_seconds");
  EXPECT_EQ(reported, expected) << "GET /stats: " << stats.body;

  consumer.kill(SIGTERM);
  EXPECT_EQ(consumer.wait(), 0);
}

TEST_F(ProducerEndToEnd, ReplayedFileWithDuplicatesAndInvalidLinesEndsAsTheLedgerExpects) {
  // The file: new events (some formatted unusually, to show lines are sent as they are),
  // verbatim repeats, repeats with another timestamp and payload, invalid lines, empty lines.
  GroundTruth truth;
  EventParser parser;
  std::vector<std::string> lines;
  std::vector<std::string> earlier;
  const std::vector<std::string> topics = {"order.created", "user.login", "payment.settled"};
  for (int i = 0; i < 3000; ++i) {
    const Event event =
        make_event(topics[std::size_t(i) % topics.size()], "replay-" + std::to_string(i),
                   R"({"n":)" + std::to_string(i) + "}");
    std::string line = to_json(event);
    if (i % 7 == 0) {
      line = "  " + line + " \r";  // JSON whitespace around the object, a CRLF file's '\r'
    }
    lines.push_back(line);
    earlier.push_back(line);
    if (i % 5 == 0) {
      lines.push_back(earlier[std::size_t(i) / 2]);  // a verbatim repeat of an earlier line
    }
    if (i % 11 == 0) {
      lines.push_back(to_json(make_event(event.topic, event.event_id, R"({"edited":true})")));
    }
    if (i % 500 == 0) {
      lines.push_back("");  // skipped, as kcat -l skips it
    }
  }
  for (
      const std::string invalid :
      {"not json", "[]", R"({"topic":"order.created"})",
       R"({"topic":"a","event_id":"x","timestamp":"yesterday","source":"s","payload":{}})",
       R"({"topic":"a","event_id":"","timestamp":"2024-01-01T00:00:00Z","source":"s","payload":{}})"}) {
    lines.insert(lines.begin() + std::ptrdiff_t(lines.size() / 2), invalid);
  }
  const auto input = temporary("events.jsonl");
  {
    std::ofstream file(input, std::ios::binary);
    for (const auto& line : lines) {
      file << line << '\n';
      if (line.empty()) {
        continue;
      }
      const auto outcome = parser.parse(line);
      if (const auto* event = std::get_if<Event>(&outcome)) {
        truth.valid(event->topic, event->event_id);
      } else {
        truth.invalid();
      }
    }
  }
  ASSERT_EQ(truth.invalid_records(), 5);

  const auto ledger = temporary("ledger.tsv");
  const auto log = temporary("producer.log");
  ASSERT_EQ(producer("replay " + input.string() + " --ledger " + ledger.string(), log), 0)
      << read_file(log);
  const std::string producer_log = read_file(log);
  EXPECT_EQ(summary_value(producer_log, "invalid"), 5) << producer_log;
  EXPECT_EQ(summary_value(producer_log, "acked"), truth.received() + 5) << producer_log;
  EXPECT_EQ(summary_value(producer_log, "duplicates"), truth.received() - truth.unique());

  const Json expected = expect({ledger});
  EXPECT_EQ(expected["received"], truth.received());
  EXPECT_EQ(expected["unique_processed"], truth.unique());
  EXPECT_EQ(expected["dead_lettered"], 5);

  ConsumerProcess consumer(
      consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2),
      temporary("consumer.log"));
  await_sink(expected);
  const SinkState state = read_sink_state(database_url());
  expect_database_equals(expected, state);
  expect_exact(truth, state);
  // Lines are stored as they were sent: the first copy of an event wins, byte for byte.
  EXPECT_EQ(query_value<std::string>("SELECT payload::text FROM events WHERE event_id = "
                                     "'replay-11' AND topic = 'payment.settled'"),
            R"({"n": 11})");
  consumer.kill(SIGTERM);
  EXPECT_EQ(consumer.wait(), 0);
}

TEST_F(ProducerEndToEnd, ReplayFromStandardInputWithSkipInvalidSendsOnlyEvents) {
  const auto input = temporary("stdin.jsonl");
  {
    std::ofstream file(input);
    for (int i = 0; i < 100; ++i) {
      file << to_json(make_event("user.login", "id-" + std::to_string(i % 60))) << '\n';
      if (i % 10 == 0) {
        file << "{broken\n";
      }
    }
  }
  const auto ledger = temporary("ledger.tsv");
  const auto log = temporary("producer.log");
  ASSERT_EQ(producer("replay - --skip-invalid --ledger " + ledger.string(), log, input.string()), 0)
      << read_file(log);
  EXPECT_EQ(count_lines(ledger), 100u);
  EXPECT_EQ(read_file(ledger).find("\t\t"), std::string::npos) << "no invalid record was sent";
  EXPECT_NE(read_file(log).find("invalid_skipped=10"), std::string::npos) << read_file(log);
  const Json expected = expect({ledger});
  EXPECT_EQ(expected, Json::parse(R"({"received":100,"unique_processed":60,)"
                                  R"("duplicate_dropped":40,"topics":{"user.login":)"
                                  R"({"received":100,"unique_processed":60,)"
                                  R"("duplicate_dropped":40}},"dead_lettered":0})"));
}

TEST_F(ProducerEndToEnd, FailedDeliveriesGiveANonZeroExitAndStayOutOfTheLedger) {
  const auto ledger = temporary("ledger.tsv");
  const auto log = temporary("producer.log");
  // Records expire before they can be sent: every (or nearly every) delivery fails.
  EXPECT_EQ(producer("generate --count 2000 --ledger " + ledger.string() +
                         " -X message.timeout.ms=1 -X linger.ms=0",
                     log),
            1);
  const std::string text = read_file(log);
  const long long acked = summary_value(text, "acked");
  const long long failed = summary_value(text, "failed");
  EXPECT_GT(failed, 0) << text;
  EXPECT_EQ(acked + failed, 2000) << text;
  EXPECT_EQ(count_lines(ledger), std::size_t(acked)) << "only delivered records are listed";
  EXPECT_NE(text.find(std::to_string(failed) + " of 2000 record(s) were not delivered"),
            std::string::npos)
      << text;
}

TEST_F(ProducerEndToEnd, SigtermStopsAnEndlessRunWithACompleteLedgerAndServesMetrics) {
  const int port = free_port();
  const auto ledger = temporary("ledger.tsv");
  const auto log = temporary("producer.log");
  ProducerProcess running(
      {"generate", "--count", "0", "--rate", "2000", "--duplicates", "0.2", "--brokers",
       endpoints().brokers, "--kafka-topic", topic(), "--metrics-port", std::to_string(port),
       "--metrics-address", "127.0.0.1", "--ledger", ledger.string()},
      log);
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string metrics;
  ASSERT_TRUE(eventually(
      [&] {
        const auto reply = http_get(url);
        metrics = reply.status == 200 ? reply.body : "";
        return metric_value(metrics, "eventsink_producer_records_acknowledged_total") >= 1000;
      },
      30s, 100ms))
      << "metrics: " << metrics << "\nlog: " << read_file(log);
  EXPECT_GE(metric_value(metrics, "eventsink_producer_records_sent_total"), 1000);
  EXPECT_GE(metric_value(metrics, "eventsink_producer_duplicates_generated_total"), 1);
  EXPECT_EQ(metric_value(metrics, "eventsink_producer_records_failed_total"), 0);

  running.kill(SIGTERM);
  EXPECT_EQ(running.wait(), 128 + SIGTERM) << read_file(log);
  const std::string text = read_file(log);
  const long long acked = summary_value(text, "acked");
  EXPECT_GE(acked, 1000) << text;
  EXPECT_EQ(summary_value(text, "sent"), acked) << "everything in flight was delivered";
  EXPECT_EQ(count_lines(ledger), std::size_t(acked)) << "the ledger lists every acked record";
  EXPECT_EQ(expect({ledger})["received"], acked);
}

TEST_F(ProducerEndToEnd, ATakenMetricsPortIsAClearError) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  const auto log = temporary("producer.log");
  EXPECT_EQ(producer("generate --count 10 --metrics-address 127.0.0.1 --metrics-port " +
                         std::to_string(port),
                     log),
            1);
  close(fd);
  const std::string text = read_file(log);
  EXPECT_NE(text.find("cannot serve metrics on 127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("--metrics-port"), std::string::npos) << text;
  EXPECT_EQ(summary_value(text, "sent"), 0) << "nothing is sent when metrics cannot be served";
}

}  // namespace
}  // namespace eventsink::testing
