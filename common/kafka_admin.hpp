// Creating and deleting Kafka topics (librdkafka's Admin API) and describing consumer groups, for
// tools and tests.
#pragma once

#include <chrono>
#include <string>

#include "common/kafka_config.hpp"

namespace eventsink::kafka {

// `connection` is bootstrap.servers and whatever else reaching the brokers takes (TLS, SASL):
// connection_to(brokers, overrides) builds it.

// Creates `topic` with `partitions` partitions (replication factor 1 unless given). An existing
// topic is fine: returns false then, true when it was created. Throws std::runtime_error on
// any other failure, with the broker's message.
bool create_topic(const Properties& connection, const std::string& topic, int partitions,
                  int replication_factor = 1,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Deletes `topic`; a missing topic is fine. Throws std::runtime_error on other failures.
void delete_topic(const Properties& connection, const std::string& topic,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// The number of partitions of `topic`, or 0 when the broker does not know it.
int partition_count(const Properties& connection, const std::string& topic,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A consumer group as its coordinator describes it.
struct GroupDescription {
  // Kafka's name for the state: "Stable" once every member has its assignment, else
  // "PreparingRebalance", "CompletingRebalance", "Empty" or "Dead" (a group never seen).
  std::string state;
  int members = 0;
};

// Asks `group`'s coordinator for its description until it is Stable with `members` members or
// `timeout` has passed, and returns the last description either way: for tools that must not
// start measuring while a rebalance is still to come. Throws std::runtime_error when no broker
// answers.
GroupDescription await_stable_group(const Properties& connection, const std::string& group,
                                    int members, std::chrono::milliseconds timeout);

}  // namespace eventsink::kafka
