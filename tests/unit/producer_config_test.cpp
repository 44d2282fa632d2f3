// eventsink-producer's command line.
#include "producer/producer_config.hpp"

#include <cstdlib>
#include <vector>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

ProducerCommandLine parse(std::vector<const char*> arguments) {
  arguments.insert(arguments.begin(), "eventsink-producer");
  return parse_producer_command_line(static_cast<int>(arguments.size()), arguments.data());
}

class ProducerCommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"EVENTSINK_BROKERS", "EVENTSINK_KAFKA_TOPIC", "EVENTSINK_LOG_LEVEL",
                             "EVENTSINK_LOG_FORMAT"}) {
      unsetenv(name);
    }
  }
};

TEST_F(ProducerCommandLineTest, GenerateHasDefaultsFromTheEnvironment) {
  setenv("EVENTSINK_BROKERS", "kafka-1:9092", 1);
  setenv("EVENTSINK_KAFKA_TOPIC", "from-env", 1);
  const auto line = parse({"generate"});
  ASSERT_TRUE(line.command);
  const auto& generate = std::get<GenerateCommand>(*line.command);
  EXPECT_EQ(generate.send.brokers, "kafka-1:9092");
  EXPECT_EQ(generate.send.kafka_topic, "from-env");
  EXPECT_EQ(generate.send.partitions, 6);
  EXPECT_EQ(generate.count, 10000u);
  EXPECT_EQ(generate.duplicate_ratio, 0.0);
  EXPECT_FALSE(generate.seed);
  EXPECT_EQ(generate.send.ledger_path, "");
  EXPECT_EQ(generate.send.metrics_port, 0);
  EXPECT_EQ(line.log_level, "info");
}

TEST_F(ProducerCommandLineTest, GenerateTakesEveryFlag) {
  const auto line = parse({"--log-level",
                           "debug",
                           "generate",
                           "--brokers",
                           "b:1",
                           "--kafka-topic",
                           "k",
                           "--partitions",
                           "3",
                           "--count",
                           "100000",
                           "--rate",
                           "2500",
                           "--duplicates",
                           "0.3",
                           "--topics",
                           "order.created,user.login",
                           "--sources",
                           "a,b",
                           "--seed",
                           "42",
                           "--ledger",
                           "/tmp/l.tsv",
                           "--metrics-port",
                           "9464",
                           "-X",
                           "linger.ms=20",
                           "-X",
                           "batch.num.messages=5000",
                           "--flush-timeout",
                           "5",
                           "--log-format",
                           "json"});
  ASSERT_TRUE(line.command) << "exit code " << line.exit_code;
  const auto& generate = std::get<GenerateCommand>(*line.command);
  EXPECT_EQ(generate.send.brokers, "b:1");
  EXPECT_EQ(generate.send.kafka_topic, "k");
  EXPECT_EQ(generate.send.partitions, 3);
  EXPECT_EQ(generate.count, 100000u);
  EXPECT_EQ(generate.send.rate, 2500);
  EXPECT_DOUBLE_EQ(generate.duplicate_ratio, 0.3);
  EXPECT_EQ(generate.topics, (std::vector<std::string>{"order.created", "user.login"}));
  EXPECT_EQ(generate.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(generate.seed, std::optional<std::uint64_t>(42));
  EXPECT_EQ(generate.send.ledger_path, "/tmp/l.tsv");
  EXPECT_EQ(generate.send.metrics_port, 9464);
  EXPECT_EQ(generate.send.flush_timeout, std::chrono::seconds(5));
  EXPECT_EQ(generate.send.kafka_overrides,
            (kafka::Properties{{"linger.ms", "20"}, {"batch.num.messages", "5000"}}));
  EXPECT_EQ(line.log_level, "debug");
  EXPECT_EQ(line.log_format, LogFormat::kJson);
}

TEST_F(ProducerCommandLineTest, ReplayTakesAFileOrStandardInput) {
  const auto from_file = parse({"replay", "events.jsonl", "--skip-invalid"});
  ASSERT_TRUE(from_file.command);
  EXPECT_EQ(std::get<ReplayCommand>(*from_file.command).input, "events.jsonl");
  EXPECT_TRUE(std::get<ReplayCommand>(*from_file.command).skip_invalid);
  const auto from_stdin = parse({"replay", "-"});
  ASSERT_TRUE(from_stdin.command);
  EXPECT_EQ(std::get<ReplayCommand>(*from_stdin.command).input, "-");
  EXPECT_FALSE(std::get<ReplayCommand>(*from_stdin.command).skip_invalid);
  EXPECT_FALSE(parse({"replay"}).command) << "the input is required";
}

TEST_F(ProducerCommandLineTest, ExpectTakesOneOrMoreLedgers) {
  const auto line = parse({"expect", "a.tsv", "b.tsv", "--pretty"});
  ASSERT_TRUE(line.command);
  const auto& expect = std::get<ExpectCommand>(*line.command);
  EXPECT_EQ(expect.ledgers, (std::vector<std::string>{"a.tsv", "b.tsv"}));
  EXPECT_TRUE(expect.pretty);
  EXPECT_FALSE(parse({"expect"}).command);
}

TEST_F(ProducerCommandLineTest, BadValuesAreRefusedWithAnExitCode) {
  for (const auto& arguments : std::vector<std::vector<const char*>>{
           {},                                        // no subcommand
           {"generate", "--duplicates", "1.5"},       // not a share
           {"generate", "--count", "-1"},             // negative
           {"generate", "-X", "no-equals-sign"},      // not key=value
           {"generate", "-X", "no.such.property=1"},  // librdkafka refuses it
           {"generate", "--log-format", "xml"},       // not text or json
           {"generate", "--metrics-port", "70000"},   // not a port
           {"generate", "--kafka-topic", ""},         // empty
       }) {
    const auto line = parse(arguments);
    EXPECT_FALSE(line.command);
    EXPECT_NE(line.exit_code, 0);
  }
}

}  // namespace
}  // namespace eventsink
