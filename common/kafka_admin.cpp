#include "common/kafka_admin.hpp"

#include <array>
#include <stdexcept>
#include <thread>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"

namespace eventsink::kafka {
namespace {

constexpr std::chrono::milliseconds kDescribeTimeout{10000};
// How often a wait for a settled group asks again: a rebalance takes seconds, so this is fine
// enough.
constexpr std::chrono::milliseconds kDescribeInterval{200};

ClientHandle admin_client(const Properties& connection) {
  auto conf = make_conf(merge_properties({{"client.id", "eventsink-admin"}}, connection));
  std::array<char, 512> error{};
  ClientHandle client(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error.data(), error.size()));
  if (!client) {
    throw std::runtime_error(std::string("cannot create Kafka admin client: ") + error.data());
  }
  conf.release();
  return client;
}

// Waits for the one result event of an admin request on `queue`.
EventHandle await_result(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                         const std::string& what) {
  EventHandle event(rd_kafka_queue_poll(queue, static_cast<int>(timeout.count())));
  if (!event) {
    throw std::runtime_error(what + ": no answer from Kafka within " +
                             std::to_string(timeout.count()) + " ms");
  }
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(what + ": " + rd_kafka_event_error_string(event.get()));
  }
  return event;
}

AdminOptionsHandle options_for(rd_kafka_t* client, rd_kafka_admin_op_t op,
                               std::chrono::milliseconds timeout) {
  AdminOptionsHandle options(rd_kafka_AdminOptions_new(client, op));
  std::array<char, 256> error{};
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                              error.data(), error.size());
  return options;
}

// Asks the group's coordinator for its state. Throws std::runtime_error when no broker answers.
GroupDescription describe_group(rd_kafka_t* client, const std::string& group,
                                std::chrono::milliseconds timeout) {
  const rd_kafka_group_list* answer = nullptr;
  const auto error =
      rd_kafka_list_groups(client, group.c_str(), &answer, static_cast<int>(timeout.count()));
  const GroupListHandle groups(answer);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("describing group " + group + ": " + error_text(error));
  }
  for (int i = 0; i < groups->group_cnt; ++i) {
    const auto& info = groups->groups[i];
    if (info.group == group) {
      if (info.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("describing group " + group + ": " + error_text(info.err));
      }
      return GroupDescription{.state = info.state, .members = info.member_cnt};
    }
  }
  return GroupDescription{.state = "Dead", .members = 0};
}

}  // namespace

bool create_topic(const Properties& connection, const std::string& topic, int partitions,
                  int replication_factor, std::chrono::milliseconds timeout) {
  auto client = admin_client(connection);
  std::array<char, 512> error{};
  NewTopicHandle new_topic(rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor,
                                                 error.data(), error.size()));
  if (!new_topic) {
    throw std::runtime_error("topic " + topic + ": " + error.data());
  }
  QueueHandle queue(rd_kafka_queue_new(client.get()));
  auto options = options_for(client.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(client.get(), topics, 1, options.get(), queue.get());
  const auto event = await_result(queue.get(), timeout, "creating topic " + topic);
  std::size_t count = 0;
  const auto* results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto result_error = rd_kafka_topic_result_error(results[i]);
    if (result_error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      return false;
    }
    if (result_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("creating topic " + topic + ": " +
                               rd_kafka_topic_result_error_string(results[i]));
    }
  }
  return true;
}

void delete_topic(const Properties& connection, const std::string& topic,
                  std::chrono::milliseconds timeout) {
  auto client = admin_client(connection);
  DeleteTopicHandle doomed(rd_kafka_DeleteTopic_new(topic.c_str()));
  QueueHandle queue(rd_kafka_queue_new(client.get()));
  auto options = options_for(client.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout);
  rd_kafka_DeleteTopic_t* topics[] = {doomed.get()};
  rd_kafka_DeleteTopics(client.get(), topics, 1, options.get(), queue.get());
  const auto event = await_result(queue.get(), timeout, "deleting topic " + topic);
  std::size_t count = 0;
  const auto* results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto result_error = rd_kafka_topic_result_error(results[i]);
    if (result_error != RD_KAFKA_RESP_ERR_NO_ERROR &&
        result_error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      throw std::runtime_error("deleting topic " + topic + ": " +
                               rd_kafka_topic_result_error_string(results[i]));
    }
  }
}

int partition_count(const Properties& connection, const std::string& topic,
                    std::chrono::milliseconds timeout) {
  auto client = admin_client(connection);
  TopicHandle handle(rd_kafka_topic_new(client.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* answer = nullptr;
  const auto error =
      rd_kafka_metadata(client.get(), 0, handle.get(), &answer, static_cast<int>(timeout.count()));
  const MetadataHandle metadata(answer);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error("metadata for " + topic + ": " + error_text(error));
  }
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    return metadata->topics[0].partition_cnt;
  }
  return 0;
}

GroupDescription await_stable_group(const Properties& connection, const std::string& group,
                                    int members, std::chrono::milliseconds timeout) {
  const auto client = admin_client(connection);  // one connection for the whole wait
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto description = describe_group(client.get(), group, kDescribeTimeout);
    if ((description.state == "Stable" && description.members == members) ||
        std::chrono::steady_clock::now() >= deadline) {
      return description;
    }
    std::this_thread::sleep_for(kDescribeInterval);
  }
}

}  // namespace eventsink::kafka
