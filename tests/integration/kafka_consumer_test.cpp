// KafkaConsumer against the real broker: a partition it paused stays paused only until it is
// next assigned.
#include "consumer/kafka_consumer.hpp"

#include <chrono>
#include <string>

#include "tests/integration/stack_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;
using KafkaConsumerTest = StackTest;

TEST_F(KafkaConsumerTest, APausedPartitionIsFetchedAgainOnceReassigned) {
  const TopicPartition paused{topic(), 0};
  TestProducer producer(endpoints().brokers, topic());
  for (int i = 0; i < 5; ++i) {
    producer.produce("key", "record " + std::to_string(i), paused.partition);
  }
  producer.wait_delivered();

  int assignments = 0;
  KafkaConsumer consumer(
      {{"bootstrap.servers", endpoints().brokers},
       {"group.id", topic()},
       {"enable.auto.commit", "false"},
       {"auto.offset.reset", "earliest"},
       {"partition.assignment.strategy", "range"},
       {"session.timeout.ms", "6000"},
       {"heartbeat.interval.ms", "500"}},
      [&](const std::vector<TopicPartition>& partitions) {
        ++assignments;
        // No offset: each partition starts as a new group's would, at the earliest record, and
        // its fetcher is started only after the group has answered (the path that raced).
        std::vector<StartOffset> starts;
        for (const auto& tp : partitions) {
          starts.push_back({.tp = tp, .offset = std::nullopt});
        }
        return std::optional(starts);
      },
      [](const std::vector<TopicPartition>&) {});
  // Polls until a record of the paused partition arrives, and returns its offset (-1: none).
  auto next_offset_of_paused = [&](std::chrono::seconds timeout) {
    std::int64_t offset = -1;
    eventually(
        [&] {
          const auto message = consumer.poll(100ms);
          if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
              message->partition == paused.partition) {
            offset = message->offset;
          }
          return offset >= 0;
        },
        timeout, 0ms);
    return offset;
  };

  consumer.subscribe({topic()});
  ASSERT_EQ(next_offset_of_paused(30s), 0) << "the partition was never read";
  consumer.pause({paused});

  // Subscribing again makes the group take every partition back and assign it anew (eager
  // protocol): the paused partition is fetched from the start again, since nothing committed.
  consumer.subscribe({topic()});
  EXPECT_EQ(next_offset_of_paused(30s), 0)
      << "the partition stayed paused after " << assignments << " assignment(s)";
  EXPECT_EQ(assignments, 2);
}

}  // namespace
}  // namespace eventsink::testing
