// The HTTP API of the real consumer binary, over real sockets, against the real broker and
// database: POST /publish, GET /events, /stats, /health, and how they fail.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/event.hpp"
#include "common/kafka_producer.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Sets environment variables for the lifetime of the object (the consumer process inherits
// them at fork), then removes them again.
class ScopedEnvironment {
 public:
  explicit ScopedEnvironment(std::map<std::string, std::string> variables)
      : variables_(std::move(variables)) {
    for (const auto& [name, value] : variables_) {
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnvironment() {
    for (const auto& [name, value] : variables_) {
      unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::string> variables_;
};

std::string event_json(const std::string& topic, const std::string& event_id,
                       const std::string& payload = "{}") {
  return to_json(make_event(topic, event_id, payload));
}

std::string json_array(const std::vector<std::string>& elements) {
  std::string out = "[";
  for (const auto& element : elements) {
    out += (out.size() > 1 ? "," : "") + element;
  }
  return out + "]";
}

// ---------------------------------------------------------------------------------------------

class HttpApiEndToEnd : public StackTest {
 protected:
  void TearDown() override {
    stop_consumer();
    StackTest::TearDown();
  }

  // Starts the consumer binary with its HTTP API on a free port and waits until GET /health
  // answers (200, unless `expect_healthy` is false: then any answer will do).
  void start_consumer(std::map<std::string, std::string> environment = {}, std::string brokers = {},
                      bool expect_healthy = true) {
    port_ = free_port();
    auto arguments = consumer_arguments(brokers.empty() ? endpoints().brokers : brokers, topic(),
                                        topic(), database_url(), 2);
    const auto port = std::find(arguments.begin(), arguments.end(), "--http-port");
    ASSERT_NE(port, arguments.end());
    *std::next(port) = std::to_string(port_);
    arguments.insert(arguments.end(), {"--http-address", "127.0.0.1"});
    {
      const ScopedEnvironment scoped(std::move(environment));
      consumer_ = std::make_unique<ConsumerProcess>(arguments, log_path());
    }
    client_ = std::make_unique<HttpClient>(port_);
    ASSERT_TRUE(eventually(
        [&] {
          const long status = client_->get("/health").status;
          return expect_healthy ? status == 200 : status != 0;
        },
        60s, 100ms))
        << "GET /health did not answer" << (expect_healthy ? " 200" : "") << " within 60 s\n"
        << log_tail();
  }

  void stop_consumer() {
    if (consumer_) {
      consumer_->kill(SIGTERM);
      if (!eventually([&] { return !consumer_->running(); }, 30s)) {
        ADD_FAILURE() << "the consumer did not stop within 30 s of SIGTERM\n" << log_tail();
        consumer_->kill(SIGKILL);
      }
      consumer_->wait();
      consumer_.reset();
    }
  }

  const HttpClient& http() const { return *client_; }

  std::string log_path() const {
    return (std::filesystem::temp_directory_path() / (topic() + "-consumer.log")).string();
  }

  std::string log_tail() const {
    std::ifstream file(log_path());
    std::stringstream text;
    text << file.rdbuf();
    const std::string all = text.str();
    return "consumer log (" + log_path() + "), last lines:\n" +
           all.substr(all.size() > 3000 ? all.size() - 3000 : 0);
  }

  // Posts `body` to /publish and expects 202 for `count` events; records them in `truth`.
  void publish(const std::string& body, std::size_t count) {
    const auto reply = http().post("/publish", body);
    ASSERT_EQ(reply.status, 202) << reply.body;
    EXPECT_EQ(reply.json(), (Json{{"status", "accepted"}, {"accepted", count}}));
  }

  // The sum of the high watermarks of the test topic's partitions: records ever written to it.
  std::int64_t records_in_topic() {
    if (!watermarks_) {
      watermarks_ = std::make_unique<kafka::Producer>(
          kafka::producer_properties(endpoints().brokers), [](const kafka::DeliveryReport&) {});
    }
    std::int64_t total = 0;
    for (int partition = 0; partition < kPartitions; ++partition) {
      std::int64_t low = 0;
      std::int64_t high = 0;
      const auto error = rd_kafka_query_watermark_offsets(watermarks_->native(), topic().c_str(),
                                                          partition, &low, &high, 10000);
      EXPECT_EQ(error, RD_KAFKA_RESP_ERR_NO_ERROR) << kafka::error_text(error);
      total += high;
    }
    return total;
  }

  // Waits until GET /stats counts `received` records.
  void await_received(std::int64_t received) {
    ASSERT_TRUE(eventually(
        [&] {
          const auto reply = http().get("/stats");
          return reply.status == 200 && reply.json()["received"] == received;
        },
        60s, 100ms))
        << "GET /stats did not reach received=" << received << ": " << http().get("/stats").body
        << "\n"
        << log_tail();
  }

  // Every event GET /events lists, following `next` with pages of `limit`.
  std::vector<Json> all_events(int limit, const std::string& filter = "") {
    std::vector<Json> events;
    std::string query = "/events?limit=" + std::to_string(limit) + filter;
    for (int page = 0; page < 1000; ++page) {
      const auto reply = http().get(query);
      EXPECT_EQ(reply.status, 200) << reply.body;
      if (reply.status != 200) {
        break;
      }
      const auto body = reply.json();
      EXPECT_LE(body["events"].size(), static_cast<std::size_t>(limit));
      for (const auto& event : body["events"]) {
        events.push_back(event);
      }
      if (body["next"].is_null()) {
        break;
      }
      EXPECT_EQ(body["events"].size(), static_cast<std::size_t>(limit))
          << "only full pages have a next page";
      query = "/events?limit=" + std::to_string(limit) + filter +
              "&after=" + body["next"].get<std::string>();
    }
    return events;
  }

 private:
  int port_ = 0;
  std::unique_ptr<ConsumerProcess> consumer_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<kafka::Producer> watermarks_;
};

TEST_F(HttpApiEndToEnd, PublishedEventsAreCountedOnceAndStatsAndEventsAgree) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  GroundTruth truth;
  const auto first = make_event("order.created", "o-1", R"({"amount":12.5,"items":["a","b"]})");

  // One event, then the very same event again: both accepted, the second is a duplicate.
  for (int copy = 0; copy < 2; ++copy) {
    publish(to_json(first), 1);
    truth.valid(first.topic, first.event_id);
  }
  // An array with duplicates inside it and of earlier events.
  publish(json_array({event_json("order.created", "o-2"), event_json("user.login", "u-1"),
                      event_json("order.created", "o-2", R"({"copy":2})"),
                      event_json("order.created", "o-1", R"({"late":true})")}),
          4);
  for (const auto& [topic, id] :
       std::vector<std::pair<std::string, std::string>>{{"order.created", "o-2"},
                                                        {"user.login", "u-1"},
                                                        {"order.created", "o-2"},
                                                        {"order.created", "o-1"}}) {
    truth.valid(topic, id);
  }
  // The envelope form, with a charset in the content type.
  const auto reply = http().post("/publish",
                                 R"({"events":[)" + event_json("payment.settled", "p-1") + "," +
                                     event_json("user.login", "u-1") + "]}",
                                 {"Content-Type: application/json; charset=utf-8"});
  ASSERT_EQ(reply.status, 202) << reply.body;
  truth.valid("payment.settled", "p-1");
  truth.valid("user.login", "u-1");
  // Many distinct events, to page through.
  std::vector<std::string> bulk;
  for (int i = 0; i < 25; ++i) {
    bulk.push_back(
        event_json("bulk", "b-" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}"));
    truth.valid("bulk", "b-" + std::to_string(i));
  }
  publish(json_array(bulk), bulk.size());
  EXPECT_EQ(records_in_topic(), truth.received()) << "one Kafka record per accepted event";

  await_received(truth.received());
  ASSERT_FALSE(HasFatalFailure());

  // /stats is exactly the ground truth, and what the tables hold.
  const auto stats = http().get("/stats").json();
  EXPECT_EQ(stats["received"], truth.received());
  EXPECT_EQ(stats["unique_processed"], truth.unique());
  EXPECT_EQ(stats["duplicate_dropped"], truth.received() - truth.unique());
  EXPECT_EQ(stats["dead_lettered"], 0);
  EXPECT_TRUE(stats["uptime_seconds"].is_number_integer());
  const auto unique = truth.unique_by_topic();
  ASSERT_EQ(stats["topics"].size(), truth.received_by_topic().size()) << stats.dump();
  for (const auto& [name, received] : truth.received_by_topic()) {
    EXPECT_EQ(stats["topics"][name], (Json{{"received", received},
                                           {"unique_processed", unique.at(name)},
                                           {"duplicate_dropped", received - unique.at(name)}}))
        << name;
  }
  expect_exact(truth, read_sink_state(database_url()));

  // /events, paged 4 at a time: every stored event exactly once, newest (highest id) first.
  const auto events = all_events(4);
  ASSERT_EQ(static_cast<std::int64_t>(events.size()), truth.unique());
  std::set<std::pair<std::string, std::string>> seen;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_TRUE(seen.emplace(events[i]["topic"], events[i]["event_id"]).second)
        << "listed twice: " << events[i].dump();
    if (i > 0) {
      EXPECT_LT(events[i]["id"].get<std::int64_t>(), events[i - 1]["id"].get<std::int64_t>());
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(truth.unique()));
  // The same with the largest page, and with pages of one.
  EXPECT_EQ(all_events(1000), events);
  EXPECT_EQ(all_events(1), events);

  // The first copy of o-1 is what is stored, field by field.
  const auto stored = std::find_if(events.begin(), events.end(),
                                   [](const Json& event) { return event["event_id"] == "o-1"; });
  ASSERT_NE(stored, events.end());
  EXPECT_EQ((*stored)["topic"], "order.created");
  EXPECT_EQ((*stored)["timestamp"], format_timestamp(first.timestamp));
  EXPECT_EQ((*stored)["source"], "tests");
  EXPECT_EQ((*stored)["payload"], Json::parse(first.payload_json));
  EXPECT_EQ((*stored)["kafka_topic"], topic());
  EXPECT_GE((*stored)["kafka_partition"].get<int>(), 0);
  EXPECT_LT((*stored)["kafka_partition"].get<int>(), kPartitions);
  EXPECT_GE((*stored)["kafka_offset"].get<std::int64_t>(), 0);
  const std::string processed_at = (*stored)["processed_at"];
  EXPECT_EQ(processed_at.size(), std::string("2024-05-01T12:00:00.250000Z").size()) << processed_at;
  EXPECT_EQ(processed_at.back(), 'Z');

  // Filtering by topic.
  const auto logins = all_events(2, "&topic=user.login");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0]["event_id"], "u-1");
  EXPECT_EQ(all_events(10, "&topic=bulk").size(), 25u);
  EXPECT_TRUE(all_events(10, "&topic=nothing.here").empty());

  // Bad queries are 400, never 500.
  for (const char* query : {"/events?limit=0", "/events?limit=1001", "/events?limit=x",
                            "/events?after=abc", "/events?after=-1", "/events?topic="}) {
    const auto refused = http().get(query);
    EXPECT_EQ(refused.status, 400) << query << ": " << refused.body;
    EXPECT_EQ(refused.json()["status"], "rejected") << query;
  }
}

TEST_F(HttpApiEndToEnd, AnInvalidEventRejectsTheWholeBatchAndNothingIsPublished) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  const auto before = records_in_topic();

  // One invalid event among valid ones: 400 naming it, and nothing produced.
  auto reply = http().post(
      "/publish",
      json_array({event_json("order.created", "ok-1"),
                  R"({"topic":"order.created","event_id":"bad","timestamp":"yesterday",)"
                  R"("source":"s","payload":{}})",
                  event_json("order.created", "ok-2")}));
  ASSERT_EQ(reply.status, 400) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body["status"], "rejected");
  ASSERT_EQ(body["errors"].size(), 1u) << body.dump();
  EXPECT_EQ(body["errors"][0]["index"], 1);
  EXPECT_EQ(body["errors"][0]["field"], "timestamp");
  EXPECT_EQ(body["errors"][0]["code"], "invalid_timestamp");
  EXPECT_FALSE(body["errors"][0]["reason"].get<std::string>().empty());

  // Every problem is listed, each with its own index.
  reply = http().post(
      "/publish",
      json_array({R"({"topic":"a","event_id":"x","timestamp":"2024-01-01T00:00:00Z","source":"s"})",
                  event_json("order.created", "ok-3"), R"("not an object")",
                  R"({"topic":7,"event_id":"x","timestamp":"2024-01-01T00:00:00Z","source":"s",)"
                  R"("payload":{}})"}));
  ASSERT_EQ(reply.status, 400) << reply.body;
  body = reply.json();
  ASSERT_EQ(body["errors"].size(), 3u) << body.dump();
  EXPECT_EQ(body["errors"][0], (Json{{"index", 0},
                                     {"field", "payload"},
                                     {"reason", body["errors"][0]["reason"]},
                                     {"code", "missing_field"}}));
  EXPECT_EQ(body["errors"][1]["index"], 2);
  EXPECT_EQ(body["errors"][1]["code"], "not_an_object");
  EXPECT_EQ(body["errors"][2]["index"], 3);
  EXPECT_EQ(body["errors"][2]["field"], "topic");
  EXPECT_EQ(body["errors"][2]["code"], "wrong_type");

  // Bodies that are not batches at all: 400 with index null.
  for (const std::string bad : {"[{}", "[]", R"({"events":{}})", "  "}) {
    reply = http().post("/publish", bad);
    EXPECT_EQ(reply.status, 400) << bad << ": " << reply.body;
    EXPECT_TRUE(reply.json()["errors"][0]["index"].is_null()) << bad << ": " << reply.body;
  }
  // A single broken event is event 0.
  reply = http().post("/publish", "not json");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_EQ(reply.json()["errors"][0]["index"], 0);
  EXPECT_EQ(reply.json()["errors"][0]["code"], "invalid_json");

  EXPECT_EQ(records_in_topic(), before) << "a rejected batch must produce nothing";

  // The sink agrees: after one good event it has counted exactly one record.
  publish(event_json("order.created", "after-the-rejections"), 1);
  EXPECT_EQ(records_in_topic(), before + 1);
  await_received(1);
  ASSERT_FALSE(HasFatalFailure());
  const auto stats = http().get("/stats").json();
  EXPECT_EQ(stats["received"], 1);
  EXPECT_EQ(stats["dead_lettered"], 0);
}

TEST_F(HttpApiEndToEnd, RequestsBeyondTheLimitsAreRefused) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  const auto before = records_in_topic();

  // A body over 1 MiB, even if it were valid.
  const std::string oversized =
      R"({"topic":"a","event_id":"big","timestamp":"2024-01-01T00:00:00Z","source":"s",)"
      R"("payload":{"pad":")" +
      std::string(1024 * 1024, 'x') + R"("}})";
  auto reply = http().post("/publish", oversized);
  EXPECT_EQ(reply.status, 413) << reply.body.substr(0, 200);

  // 1,001 events in a body under 1 MiB.
  std::vector<std::string> many;
  for (int i = 0; i < 1001; ++i) {
    many.push_back(event_json("t", std::to_string(i)));
  }
  const std::string too_many = json_array(many);
  ASSERT_LT(too_many.size(), 1024u * 1024u);
  reply = http().post("/publish", too_many);
  EXPECT_EQ(reply.status, 413) << reply.body.substr(0, 200);
  EXPECT_EQ(reply.json()["status"], "rejected");

  // Wrong or missing content type.
  const std::string event = event_json("t", "ct");
  for (const std::vector<std::string>& headers :
       {std::vector<std::string>{"Content-Type: text/plain"},
        std::vector<std::string>{"Content-Type: application/x-www-form-urlencoded"},
        std::vector<std::string>{"Content-Type: application/json; charset=latin1"},
        std::vector<std::string>{"Content-Type:"}}) {
    reply = http().post("/publish", event, headers);
    EXPECT_EQ(reply.status, 415) << headers[0] << ": " << reply.body;
  }

  // Unknown paths and wrong methods.
  EXPECT_EQ(http().get("/no/such/path").status, 404);
  EXPECT_EQ(http().get("/publishx").status, 404);
  reply = http().get("/publish");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.headers["allow"], "POST");
  EXPECT_EQ(http().post("/stats", "{}").status, 405);

  EXPECT_EQ(records_in_topic(), before) << "refused requests must produce nothing";

  // Exactly 1,000 events is fine.
  many.pop_back();
  publish(json_array(many), 1000);
  EXPECT_EQ(records_in_topic(), before + 1000);

  // The API's metrics count what happened.
  const auto metrics = http().get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(
      metrics.body.find(R"(eventsink_http_requests_total{endpoint="/publish",status="413"} 1)"),
      std::string::npos)
      << "the byte limit is HttpServer's: only the event-count 413 reaches the endpoint";
  EXPECT_NE(
      metrics.body.find(R"(eventsink_http_requests_total{endpoint="/publish",status="415"} 4)"),
      std::string::npos);
  EXPECT_NE(metrics.body.find(R"(eventsink_publish_events_total{outcome="accepted"} 1000)"),
            std::string::npos);
  EXPECT_NE(
      metrics.body.find(
          R"(eventsink_http_request_duration_seconds_count{endpoint="/publish",status="415"} 4)"),
      std::string::npos);
}

TEST_F(HttpApiEndToEnd, PublishRequiresTheBearerTokenWhenOneIsConfigured) {
  const std::string token = "t0ken-" + std::to_string(getpid());
  start_consumer({{"EVENTSINK_PUBLISH_TOKEN", token}});
  ASSERT_FALSE(HasFatalFailure());
  const std::string event = event_json("t", "auth");

  auto reply = http().post("/publish", event);
  EXPECT_EQ(reply.status, 401) << reply.body;
  EXPECT_EQ(reply.headers["www-authenticate"], R"(Bearer realm="eventsink")");
  for (const std::string& header : std::vector<std::string>{
           "Authorization: Bearer wrong", "Authorization: Bearer " + token + "x",
           "Authorization: Basic " + token, "Authorization: " + token}) {
    reply = http().post("/publish", event, {"Content-Type: application/json", header});
    EXPECT_EQ(reply.status, 401) << header << ": " << reply.body;
  }
  EXPECT_EQ(records_in_topic(), 0);

  reply = http().post("/publish", event,
                      {"Content-Type: application/json", "Authorization: Bearer " + token});
  EXPECT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(records_in_topic(), 1);
  EXPECT_EQ(http().get("/stats").status, 200) << "reading needs no token";

  stop_consumer();
  EXPECT_EQ(log_tail().find(token), std::string::npos) << "the token must never be logged";
}

TEST_F(HttpApiEndToEnd, PublishAnswers503AtOnceWhenKafkaIsUnreachable) {
  // The consumer talks to a port where no broker listens; PostgreSQL is fine.
  start_consumer({}, "127.0.0.1:" + std::to_string(free_port()), /*expect_healthy=*/false);
  ASSERT_FALSE(HasFatalFailure());
  auto health = http().get("/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.json()["kafka"], "disconnected");
  EXPECT_EQ(health.json()["database"], "connected");

  const auto start = std::chrono::steady_clock::now();
  const auto reply = http().post("/publish", event_json("t", "no-broker"));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.json()["status"], "unavailable");
  EXPECT_NE(reply.json()["error"].get<std::string>().find("nothing was published"),
            std::string::npos)
      << reply.body;
  EXPECT_LT(took, 5s) << "the broker check must not wait for the acknowledgement deadline";
  EXPECT_EQ(http().get("/stats").status, 200);
  EXPECT_EQ(records_in_topic(), 0);
}

// Stops the stack's PostgreSQL, so it disturbs every other test using the stack meanwhile: keep
// the outage short, and always start PostgreSQL again.
TEST_F(HttpApiEndToEnd, HealthStatsAndEventsAnswer503WhilePostgresIsDownAndRecover) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  publish(event_json("t", "before-the-outage"), 1);
  await_received(1);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(http().get("/events").status, 200);

  ServerOutage outage("postgres");
  ASSERT_FALSE(HasFailure());

  HttpReply health;
  ASSERT_TRUE(eventually(
      [&] {
        health = http().get("/health");
        return health.status == 503;
      },
      20s, 100ms))
      << "GET /health stayed " << health.status << ": " << health.body;
  EXPECT_EQ(health.json()["status"], "unhealthy");
  EXPECT_EQ(health.json()["database"], "disconnected");
  EXPECT_EQ(health.json()["kafka"], "connected");
  EXPECT_FALSE(health.json()["database_error"].get<std::string>().empty());
  for (const char* path : {"/stats", "/events"}) {
    const auto reply = http().get(path);
    EXPECT_EQ(reply.status, 503) << path << ": " << reply.body;
    EXPECT_EQ(reply.json()["status"], "unavailable") << path;
  }

  outage.end();
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(eventually([&] { return http().get("/health").status == 200; }, 30s, 100ms))
      << http().get("/health").body;
  ASSERT_TRUE(eventually([&] { return http().get("/stats").status == 200; }, 10s, 100ms))
      << "the connection pool must heal: " << http().get("/stats").body;
  EXPECT_EQ(http().get("/stats").json()["received"], 1);
  EXPECT_EQ(http().get("/events").json()["events"].size(), 1u);
}

}  // namespace
}  // namespace eventsink::testing
