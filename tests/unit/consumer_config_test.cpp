#include "consumer/consumer_config.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

CommandLine parse(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "eventsink-consumer");
  std::vector<char*> argv;
  for (auto& argument : arguments) {
    argv.push_back(argument.data());
  }
  return parse_consumer_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string property(const kafka::Properties& properties, const std::string& key) {
  std::string value;
  for (const auto& [k, v] : properties) {
    if (k == key) {
      value = v;  // the last one wins, as in make_conf
    }
  }
  return value;
}

TEST(ConsumerConfig, FlagsAreParsed) {
  const auto command_line =
      parse({"--brokers", "b:1", "--group", "g", "--topic", "a", "--topic", "^b.*", "--workers",
             "3", "--batch-size", "100", "--batch-linger-ms", "7", "--slow-transaction-ms", "250",
             "-X", "fetch.wait.max.ms=10"});
  ASSERT_TRUE(command_line.config);
  const auto& config = *command_line.config;
  EXPECT_EQ(config.brokers, "b:1");
  EXPECT_EQ(config.topics, (std::vector<std::string>{"a", "^b.*"}));
  EXPECT_EQ(config.workers, 3);
  EXPECT_EQ(config.batch_records, 100u);
  EXPECT_EQ(config.batch_linger, std::chrono::milliseconds(7));
  EXPECT_EQ(config.slow_transaction, std::chrono::milliseconds(250));
  EXPECT_EQ(property(consumer_properties(config, 1), "fetch.wait.max.ms"), "10");
}

TEST(ConsumerConfig, SinkDefaultsKeepKafkaOutOfOffsetDecisions) {
  const auto command_line = parse({});
  ASSERT_TRUE(command_line.config);
  const auto properties = consumer_properties(*command_line.config, 2);
  EXPECT_EQ(property(properties, "enable.auto.commit"), "false");
  EXPECT_EQ(property(properties, "auto.offset.reset"), "earliest");
  EXPECT_NE(property(properties, "client.id").find("-w2"), std::string::npos);
}

TEST(ConsumerConfig, WorkersHeartbeatEverySecondUnlessTold) {
  const auto defaults = parse({});
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(property(consumer_properties(*defaults.config, 0), "heartbeat.interval.ms"), "1000");
  const auto told = parse({"-X", "heartbeat.interval.ms=3000"});
  ASSERT_TRUE(told.config);
  EXPECT_EQ(property(consumer_properties(*told.config, 0), "heartbeat.interval.ms"), "3000");
}

TEST(ConsumerConfig, UnknownKafkaPropertyFailsNamingIt) {
  testing::internal::CaptureStderr();
  const auto command_line = parse({"-X", "no.such.property=1"});
  const std::string error = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(command_line.config);
  EXPECT_NE(command_line.exit_code, 0);
  EXPECT_NE(error.find("no.such.property"), std::string::npos) << error;
}

TEST(ConsumerConfig, AutoCommitCannotBeTurnedOn) {
  testing::internal::CaptureStderr();
  const auto command_line = parse({"-X", "enable.auto.commit=true"});
  const std::string error = testing::internal::GetCapturedStderr();
  EXPECT_FALSE(command_line.config);
  EXPECT_NE(error.find("enable.auto.commit"), std::string::npos) << error;
}

TEST(ConsumerConfig, OutOfRangeWorkersAreRefused) {
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  const auto command_line = parse({"--workers", "0"});
  const std::string error =
      testing::internal::GetCapturedStderr() + testing::internal::GetCapturedStdout();
  EXPECT_FALSE(command_line.config);
  EXPECT_NE(error.find("workers"), std::string::npos) << error;
}

TEST(ConsumerConfig, MalformedPropertyIsRefused) {
  EXPECT_THROW(kafka::parse_property("novalue"), kafka::ConfigError);
  EXPECT_THROW(kafka::parse_property("=x"), kafka::ConfigError);
  EXPECT_EQ(kafka::parse_property("a=b=c").second, "b=c");
}

}  // namespace
}  // namespace eventsink
