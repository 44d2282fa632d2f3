// The producer's librdkafka properties: the durable defaults, and callers' -X after them.
#include <optional>

#include <gtest/gtest.h>

#include "common/kafka_producer.hpp"

namespace eventsink::kafka {
namespace {

// The value librdkafka ends up with: make_conf applies properties in order, so the last one wins.
std::optional<std::string> effective(const Properties& properties, const std::string& key) {
  std::optional<std::string> value;
  for (const auto& [name, setting] : properties) {
    if (name == key) {
      value = setting;
    }
  }
  return value;
}

TEST(ProducerProperties, AreIdempotentAcknowledgedByAllAndOneRequestInFlight) {
  const Properties properties = producer_properties("b1:9092");
  EXPECT_EQ(effective(properties, "bootstrap.servers"), "b1:9092");
  EXPECT_EQ(effective(properties, "enable.idempotence"), "true");
  EXPECT_EQ(effective(properties, "acks"), "all");
  // More than one lets librdkafka 2.0.2 acknowledge records the broker never stored.
  EXPECT_EQ(effective(properties, "max.in.flight.requests.per.connection"), "1");
  EXPECT_EQ(effective(properties, "partitioner"), "murmur2_random");
}

TEST(ProducerProperties, OverridesComeLastAndLibrdkafkaAcceptsTheWhole) {
  const Properties properties = producer_properties("b1:9092", {{"linger.ms", "50"}});
  EXPECT_EQ(effective(properties, "linger.ms"), "50");
  // rd_kafka_new checks the combination (idempotence allows at most 5 requests in flight); it
  // connects in the background, so no broker is needed.
  EXPECT_NO_THROW(Producer(properties, [](const DeliveryReport&) {}));
}

}  // namespace
}  // namespace eventsink::kafka
