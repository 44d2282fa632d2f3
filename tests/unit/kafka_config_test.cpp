// Kafka client properties: which of a -X list every client of the cluster must share.
#include "common/kafka_config.hpp"

#include <gtest/gtest.h>

namespace eventsink::kafka {
namespace {

TEST(KafkaConnectionProperties, KeepsWhatReachingTheBrokersTakesAndNothingElse) {
  const Properties overrides = {{"security.protocol", "SASL_SSL"},
                                {"sasl.mechanisms", "SCRAM-SHA-512"},
                                {"sasl.username", "sink"},
                                {"ssl.ca.location", "/etc/ssl/ca.pem"},
                                {"enable.ssl.certificate.verification", "true"},
                                {"socket.keepalive.enable", "true"},
                                {"broker.address.family", "v4"},
                                {"client.rack", "eu-1a"},
                                {"session.timeout.ms", "6000"},
                                {"fetch.max.bytes", "1048576"},
                                {"client.id", "mine"},
                                {"sslx", "not a prefix match"}};
  const Properties expected = {{"security.protocol", "SASL_SSL"},
                               {"sasl.mechanisms", "SCRAM-SHA-512"},
                               {"sasl.username", "sink"},
                               {"ssl.ca.location", "/etc/ssl/ca.pem"},
                               {"enable.ssl.certificate.verification", "true"},
                               {"socket.keepalive.enable", "true"},
                               {"broker.address.family", "v4"},
                               {"client.rack", "eu-1a"}};
  EXPECT_EQ(connection_properties(overrides), expected);
}

TEST(KafkaConnectionProperties, ConnectionToPutsTheBrokersFirst) {
  const Properties connection =
      connection_to("b1:9092,b2:9092", {{"security.protocol", "SSL"}, {"acks", "1"}});
  const Properties expected = {{"bootstrap.servers", "b1:9092,b2:9092"},
                               {"security.protocol", "SSL"}};
  EXPECT_EQ(connection, expected);
  // librdkafka accepts the result as a configuration.
  EXPECT_NO_THROW(make_conf(connection));
}

TEST(KafkaProperties, MergeKeepsBothInOrderAndMakeConfNamesBadKeys) {
  const Properties merged = merge_properties({{"acks", "all"}}, {{"acks", "1"}});
  ASSERT_EQ(merged.size(), 2u) << "both kept, in order: make_conf applies the later one last";
  EXPECT_EQ(merged.back().second, "1");
  EXPECT_THROW(make_conf({{"no.such.property", "1"}}), ConfigError);
}

}  // namespace
}  // namespace eventsink::kafka
