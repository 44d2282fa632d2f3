// The monitoring against a live sink: a real Prometheus scrapes a real consumer (and producer)
// under load, and every query of every Grafana dashboard and every alert rule is evaluated
// through Prometheus's HTTP API. Then the consumer's own counters are compared with what
// PostgreSQL holds.
//
// The test starts its own Prometheus (the `prometheus` binary, as Debian's package installs it)
// on a free port, with a throw-away storage directory and a generated configuration: scrape and
// evaluation interval 1 s, the jobs named as in monitoring/prometheus.yml (the dashboards filter
// on them), and rule_files pointing at monitoring/alerts.yml. The local stack's Prometheus is not
// touched.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>

#include "common/event.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
namespace fs = std::filesystem;

const fs::path kSourceDir = EVENTSINK_SOURCE_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string tail(const fs::path& path, std::size_t bytes = 4000) {
  const std::string text = read_text(path);
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

std::string url_encode(const std::string& text) {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  std::unique_ptr<char, void (*)(void*)> escaped(
      curl_easy_escape(curl.get(), text.c_str(), static_cast<int>(text.size())), curl_free);
  return escaped.get();
}

// The sum of every series of metric `name` (all label values) in Prometheus text format, or
// nullopt when the metric has no series.
std::optional<double> metric_sum(const std::string& text, const std::string& name) {
  std::optional<double> total;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#' || line.compare(0, name.size(), name) != 0 ||
        (line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    total = total.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

// One PromQL expression to evaluate, and where it comes from.
struct Query {
  std::string origin;  // "eventsink.json: panel 'Lag' [A]" or "alert EventsinkDeadLetters"
  std::string expr;
  bool needs_data = false;  // a dashboard panel's: must return at least one finite sample
};

void collect_panel_queries(const Json& panels, const std::string& file,
                           const std::map<std::string, std::string>& variables,
                           std::vector<Query>& out) {
  for (const auto& panel : panels) {
    for (const auto& target : panel.value("targets", Json::array())) {
      if (!target.contains("expr")) {
        continue;
      }
      std::string expr = target["expr"].get<std::string>();
      // Longest names first, so $__rate_interval is not taken for $__rate.
      for (auto it = variables.rbegin(); it != variables.rend(); ++it) {
        for (const std::string& form :
             {"${" + it->first + "}", "[[" + it->first + "]]", "$" + it->first}) {
          for (std::size_t at; (at = expr.find(form)) != std::string::npos;) {
            expr.replace(at, form.size(), it->second);
          }
        }
      }
      out.push_back(Query{.origin = file + ": panel " + std::to_string(panel.value("id", 0)) +
                                    " '" + panel.value("title", "?") + "' [" +
                                    target.value("refId", "?") + "]",
                          .expr = expr,
                          .needs_data = true});
    }
    // A row holds its panels when collapsed.
    collect_panel_queries(panel.value("panels", Json::array()), file, variables, out);
  }
}

// Every target expression of every panel (rows included) of every dashboard in
// grafana/dashboards, with Grafana's variables substituted: the built-in interval variables by
// fixed windows that suit a 1 s scrape interval, the dashboard's own by their "All" value.
std::vector<Query> dashboard_queries() {
  std::vector<Query> queries;
  for (const auto& entry : fs::recursive_directory_iterator(kSourceDir / "grafana/dashboards")) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    const Json dashboard = Json::parse(read_text(entry.path()));
    std::map<std::string, std::string> variables = {
        {"__rate_interval", "15s"}, {"__interval", "5s"}, {"__interval_ms", "5000"},
        {"__range", "5m"},          {"__range_s", "300"}, {"__range_ms", "300000"},
    };
    for (const auto& variable : dashboard["templating"].value("list", Json::array())) {
      variables[variable["name"].get<std::string>()] = variable.value("allValue", ".*");
    }
    collect_panel_queries(dashboard["panels"], entry.path().filename().string(), variables,
                          queries);
  }
  return queries;
}

// Prometheus's answer to an instant query.
struct QueryResult {
  bool answered = false;
  std::string status;  // "success" or "error"
  std::string error;
  std::size_t samples = 0;
  std::size_t finite_samples = 0;
};

class Prometheus {
 public:
  explicit Prometheus(int port) : base_("http://127.0.0.1:" + std::to_string(port)) {}

  const std::string& url() const { return base_; }

  QueryResult query(const std::string& expr) const {
    QueryResult result;
    const HttpReply reply = http_get(base_ + "/api/v1/query?query=" + url_encode(expr));
    if (reply.status == 0) {
      return result;
    }
    result.answered = true;
    const Json body = Json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    result.status = body.value("status", "?");
    result.error = body.value("errorType", "") + ": " + body.value("error", "");
    if (result.status != "success") {
      return result;
    }
    const Json& data = body["data"];
    const auto count = [&result](const Json& value_pair) {
      ++result.samples;
      const double value = std::stod(value_pair[1].get<std::string>());
      result.finite_samples += std::isfinite(value) ? 1 : 0;
    };
    if (data["resultType"] == "vector") {
      for (const auto& series : data["result"]) {
        count(series["value"]);
      }
    } else if (data["resultType"] == "scalar") {
      count(data["result"]);
    }
    return result;
  }

  Json get(const std::string& path) const {
    const HttpReply reply = http_get(base_ + path);
    return reply.status == 200 ? Json::parse(reply.body, nullptr, false) : Json();
  }

 private:
  std::string base_;
};

class Observability : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) {
      return;
    }
    dir_ = fs::temp_directory_path() / (topic() + "-observability");
    fs::create_directories(dir_ / "prometheus-data");
  }

  void TearDown() override {
    if (!HasFailure()) {
      fs::remove_all(dir_);  // kept when the test failed: logs, config, ledger
    } else {
      std::cerr << "logs and configuration kept in " << dir_ << "\n";
    }
    StackTest::TearDown();
  }

  fs::path dir_;
};

TEST(ObservabilityStatic, PromtoolAcceptsTheConfigsAndRulesAndTheirUnitTestsPass) {
  // The same checks as tests/compose/check_compose.sh (d), here too so that the integration
  // suite alone proves the files it feeds to Prometheus are sound.
  for (const char* command : {"promtool check config monitoring/prometheus.yml",
                              "promtool check config monitoring/prometheus.compose.yml",
                              "promtool check rules monitoring/alerts.yml",
                              "promtool test rules monitoring/alerts_test.yml"}) {
    const std::string line = "cd '" + kSourceDir.string() + "' && " + command + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(line.c_str()), 0) << command;
  }
}

TEST_F(Observability, EveryDashboardQueryAndAlertRuleWorksOnALiveSinkAndCountersMatchTheDatabase) {
  const auto started = std::chrono::steady_clock::now();
  const int consumer_port = free_port();
  int prometheus_port = free_port();
  int producer_port = free_port();
  while (prometheus_port == consumer_port) {
    prometheus_port = free_port();
  }
  while (producer_port == consumer_port || producer_port == prometheus_port) {
    producer_port = free_port();
  }

  // --- the consumer: ONE process that sees every record from the start (counters are per
  // process), with its HTTP API (and /metrics) on a port we know.
  auto arguments = consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), 2);
  *(std::find(arguments.begin(), arguments.end(), "--http-port") + 1) =
      std::to_string(consumer_port);
  arguments.insert(arguments.end(), {"--http-address", "127.0.0.1"});
  const fs::path consumer_log = dir_ / "consumer.log";
  ConsumerProcess consumer(arguments, consumer_log.string());
  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(consumer_port) + "/metrics";
  ASSERT_TRUE(eventually([&] { return http_get(metrics_url).status == 200; }, 30s, 50ms))
      << "the consumer's /metrics did not answer:\n"
      << tail(consumer_log);

  // --- our own Prometheus.
  const fs::path config = dir_ / "prometheus.yml";
  {
    std::ofstream file(config);
    file << "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "rule_files:\n"
            "  - "
         << (kSourceDir / "monitoring/alerts.yml").string()
         << "\n"
            "scrape_configs:\n"
            "  - job_name: eventsink-consumer\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:"
         << consumer_port
         << "']\n"
            "  - job_name: eventsink-producer\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:"
         << producer_port
         << "']\n"
            "  - job_name: prometheus\n"
            "    static_configs:\n"
            "      - targets: ['127.0.0.1:"
         << prometheus_port << "']\n";
  }
  const std::string check = "promtool check config '" + config.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(check.c_str()), 0) << "promtool check config " << config;
  const fs::path prometheus_log = dir_ / "prometheus.log";
  ChildProcess prometheus_process(
      {"prometheus", "--config.file=" + config.string(),
       "--storage.tsdb.path=" + (dir_ / "prometheus-data").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port), "--log.level=warn"},
      prometheus_log);
  const Prometheus prometheus(prometheus_port);
  ASSERT_TRUE(
      eventually([&] { return http_get(prometheus.url() + "/-/ready").status == 200; }, 20s, 50ms))
      << "Prometheus did not become ready (is it installed? apt-get install prometheus):\n"
      << tail(prometheus_log);

  // Prometheus must have scraped the consumer before the load starts: increase() and rate() see
  // only what happens between two samples, and EventsinkDeadLetters must see the dead letters
  // arrive.
  ASSERT_TRUE(eventually(
      [&] { return prometheus.query(R"(up{job="eventsink-consumer"} == 1)").samples == 1; }, 20s,
      50ms))
      << "Prometheus did not scrape the consumer:\n"
      << tail(prometheus_log);

  // --- the load: 20,000 events (30 % duplicates) and a few invalid records of three kinds.
  GroundTruth truth;
  {
    TestProducer producer(endpoints().brokers, topic());
    EventStream stream(20260101, 0.3);
    const std::vector<std::string> invalid = {"this is not JSON", R"(["an", "array"])",
                                              R"({"topic":"order.created","source":"x"})"};
    for (int i = 0; i < 20'000; ++i) {
      const Event event = stream.next();
      producer.produce(key_of(event), to_json(event));
      truth.valid(event.topic, event.event_id);
      if (i % 1'700 == 0) {
        producer.produce("invalid-" + std::to_string(i), invalid[std::size_t(i) % invalid.size()]);
        truth.invalid();
      }
    }
    producer.wait_delivered();
  }
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GE(truth.invalid_records(), 9);

  // ...and a producer that keeps going while we query, so every rate() has data; Prometheus
  // scrapes its /metrics too (the dashboard's producer row).
  const fs::path ledger = dir_ / "producer-ledger.tsv";
  const fs::path producer_log = dir_ / "producer.log";
  auto trickle =
      std::make_unique<ProducerProcess>(std::vector<std::string>{"generate",
                                                                 "--count",
                                                                 "0",
                                                                 "--rate",
                                                                 "400",
                                                                 "--duplicates",
                                                                 "0.3",
                                                                 "--seed",
                                                                 "7",
                                                                 "--brokers",
                                                                 endpoints().brokers,
                                                                 "--kafka-topic",
                                                                 topic(),
                                                                 "--metrics-port",
                                                                 std::to_string(producer_port),
                                                                 "--metrics-address",
                                                                 "127.0.0.1",
                                                                 "--ledger",
                                                                 ledger.string(),
                                                                 "--log-level",
                                                                 "warn"},
                                        producer_log);

  // --- every query parses, and every panel's query returns data.
  std::vector<Query> queries = dashboard_queries();
  ASSERT_GE(queries.size(), 20u) << "the dashboards hold fewer queries than expected";
  std::size_t panel_queries = queries.size();
  for (const auto& query : queries) {
    EXPECT_EQ(query.expr.find('$'), std::string::npos)
        << query.origin << ": a Grafana variable is left: " << query.expr;
  }
  // The alert rules, as Prometheus loaded them from monitoring/alerts.yml.
  const std::string alerts_text = read_text(kSourceDir / "monitoring/alerts.yml");
  const std::regex alert_line(R"((^|\n)\s*- alert:)");
  const auto alerts_in_file = static_cast<std::size_t>(
      std::distance(std::sregex_iterator(alerts_text.begin(), alerts_text.end(), alert_line),
                    std::sregex_iterator()));
  Json groups;
  ASSERT_TRUE(eventually(
      [&] {
        groups = prometheus.get("/api/v1/rules")["data"]["groups"];
        std::size_t rules = 0;
        for (const auto& group : groups) {
          rules += group["rules"].size();
        }
        return rules == alerts_in_file && alerts_in_file > 0;
      },
      10s, 100ms))
      << "Prometheus did not load the " << alerts_in_file
      << " alert rules of monitoring/alerts.yml:\n"
      << groups.dump(2) << "\n"
      << tail(prometheus_log);
  for (const auto& group : groups) {
    for (const auto& rule : group["rules"]) {
      queries.push_back(Query{.origin = "alert " + rule["name"].get<std::string>(),
                              .expr = rule["query"].get<std::string>(),
                              .needs_data = false});
    }
  }

  std::map<std::string, QueryResult> last;  // by origin, for the failure message
  std::set<std::size_t> pending;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    pending.insert(i);
  }
  const bool all_answered = eventually(
      [&] {
        for (auto it = pending.begin(); it != pending.end();) {
          const Query& query = queries[*it];
          const QueryResult result = prometheus.query(query.expr);
          last[query.origin] = result;
          const bool done = result.answered && result.status == "success" &&
                            (!query.needs_data || result.finite_samples > 0);
          // A query Prometheus refuses (bad_data: it does not parse) will not get better.
          if (result.answered && result.status != "success") {
            ADD_FAILURE() << query.origin << ": Prometheus refuses " << query.expr << "\n  "
                          << result.error;
            it = pending.erase(it);
            continue;
          }
          it = done ? pending.erase(it) : std::next(it);
        }
        return pending.empty();
      },
      30s, 500ms);
  for (const std::size_t i : pending) {
    const auto& result = last[queries[i].origin];
    ADD_FAILURE() << queries[i].origin << ": no data within the deadline (" << result.samples
                  << " samples, " << result.finite_samples << " finite; status " << result.status
                  << ")\n  " << queries[i].expr;
  }
  EXPECT_TRUE(all_answered);
  std::cout << "evaluated " << panel_queries << " dashboard queries and "
            << queries.size() - panel_queries << " alert expressions; all "
            << (all_answered ? "answered" : "NOT answered") << " after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";

  // The rules evaluate cleanly on live data, and the one the load must trigger does fire: we
  // produced invalid records, so EventsinkDeadLetters fires for our consumer.
  Json alerts;
  EXPECT_TRUE(eventually(
      [&] {
        alerts = prometheus.get("/api/v1/alerts")["data"]["alerts"];
        for (const auto& alert : alerts) {
          if (alert["labels"]["alertname"] == "EventsinkDeadLetters" &&
              alert["state"] == "firing" &&
              alert["labels"]["instance"] == "127.0.0.1:" + std::to_string(consumer_port)) {
            return true;
          }
        }
        return false;
      },
      20s, 200ms))
      << "EventsinkDeadLetters did not fire; alerts: " << alerts.dump(2);
  for (const auto& alert : alerts) {
    EXPECT_NE(alert["labels"]["alertname"], "EventsinkConsumerDown") << alert.dump();
    EXPECT_NE(alert["labels"]["alertname"], "EventsinkDatabaseErrors") << alert.dump();
  }
  // Keep the answer alive: a range-for over a temporary's member would dangle.
  const Json rules = prometheus.get("/api/v1/rules");
  for (const auto& group : rules["data"]["groups"]) {
    for (const auto& rule : group["rules"]) {
      EXPECT_EQ(rule.value("health", "?"), "ok")
          << rule["name"] << ": " << rule.value("lastError", "");
    }
  }

  // --- stop the load, let the sink catch up, and compare the counters with PostgreSQL.
  EXPECT_EQ(trickle->stop(30s), 128 + SIGTERM) << tail(producer_log);
  trickle.reset();
  const std::string ledger_text = read_text(ledger);
  const auto trickled = std::count(ledger_text.begin(), ledger_text.end(), '\n');
  EXPECT_GT(trickled, 0) << "the producer delivered nothing: " << tail(producer_log);
  const std::int64_t total = truth.received() + truth.invalid_records() + trickled;
  SinkState state;
  ASSERT_TRUE(eventually(
      [&] {
        try {
          state = read_sink_state(database_url());
        } catch (const std::exception&) {
          return false;
        }
        return state.received() + state.dead_letters >= total;
      },
      60s, 100ms))
      << "the sink did not catch up: " << state.received() << " + " << state.dead_letters << " of "
      << total << "\n"
      << tail(consumer_log);
  EXPECT_EQ(state.received() + state.dead_letters, total) << "records counted twice";
  EXPECT_EQ(state.dead_letters, truth.invalid_records());
  std::int64_t unique = 0;
  std::int64_t duplicates = 0;
  for (const auto& [name, topic_state] : state.topics) {
    unique += topic_state.unique;
    duplicates += topic_state.duplicates;
  }

  // The counters are updated right after the commit the database already shows: poll briefly.
  std::string metrics;
  const auto counter = [&](const std::string& name) {
    return metric_sum(metrics, name).value_or(-1);
  };
  const bool agree = eventually(
      [&] {
        metrics = http_get(metrics_url).body;
        return counter("eventsink_consumer_events_inserted_total") == double(unique) &&
               counter("eventsink_consumer_duplicates_total") == double(duplicates) &&
               counter("eventsink_consumer_dead_letters_total") == double(state.dead_letters);
      },
      10s, 100ms);
  EXPECT_TRUE(agree);
  EXPECT_EQ(counter("eventsink_consumer_events_inserted_total"), double(unique))
      << "events_inserted_total vs sum(unique_events)";
  EXPECT_EQ(counter("eventsink_consumer_duplicates_total"), double(duplicates))
      << "duplicates_total vs sum(duplicates)";
  EXPECT_EQ(counter("eventsink_consumer_dead_letters_total"), double(state.dead_letters))
      << "dead_letters_total vs count(*) dead_letters";
  // Every record read was stored, counted as a duplicate or dead letter, or skipped; nothing
  // failed here, so nothing was read twice without being counted as skipped.
  EXPECT_EQ(counter("eventsink_consumer_records_consumed_total") -
                counter("eventsink_consumer_redeliveries_skipped_total") -
                counter("eventsink_consumer_stale_records_dropped_total"),
            double(total));
  EXPECT_EQ(counter("eventsink_consumer_database_errors_total"), 0.0) << "database errors";
  EXPECT_EQ(counter("eventsink_consumer_known_identities_complete"), 1.0)
      << "the filter of stored identities (an empty table) loaded beside the workers";
  EXPECT_GT(counter("eventsink_consumer_known_new_events_total"), 0.0)
      << "once loaded, the filter spares new events the conflict check";
  EXPECT_EQ(counter("eventsink_consumer_assigned_partitions"), double(kPartitions));
  EXPECT_GT(counter("eventsink_consumer_last_commit_timestamp_seconds"), 0);
  // The per-reason dead-letter series agree with the table, reason by reason.
  pqxx::connection connection(database_url());
  pqxx::nontransaction tx(connection);
  for (const auto& row : tx.exec("SELECT reason_code, count(*) FROM dead_letters GROUP BY 1")) {
    const std::string series = "eventsink_consumer_dead_letters_total{reason=\"" +
                               row[0].as<std::string>() + "\"} " + row[1].as<std::string>();
    EXPECT_NE(metrics.find(series), std::string::npos) << "missing in /metrics: " << series;
  }

  consumer.kill(SIGTERM);
  EXPECT_EQ(consumer.wait(), 0) << tail(consumer_log);
  std::cout << "total "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms; " << total << " records (" << trickled << " from the running producer), "
            << unique << " unique, " << duplicates << " duplicates, " << state.dead_letters
            << " dead letters\n";
  if (HasFailure()) {
    std::cerr << "consumer log:\n"
              << tail(consumer_log) << "\nprometheus log:\n"
              << tail(prometheus_log) << "\n";
  }
}

}  // namespace
}  // namespace eventsink::testing
