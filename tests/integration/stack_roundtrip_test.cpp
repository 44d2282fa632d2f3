// The foundation: the harness reaches a real broker and a real database.
#include <set>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"
#include "tests/integration/stack_test.hpp"

namespace eventsink::testing {
namespace {

using StackRoundTrip = StackTest;

// Reads every record of the topic from the beginning until `expected` have arrived.
std::vector<std::pair<std::int32_t, std::string>> read_back(const std::string& brokers,
                                                            const std::string& topic,
                                                            int partitions, std::size_t expected) {
  auto conf = kafka::make_conf({{"bootstrap.servers", brokers},
                                {"group.id", topic + "-reader"},
                                {"enable.auto.commit", "false"}});
  char error[512];
  kafka::ClientHandle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error));
  EXPECT_TRUE(consumer) << error;
  conf.release();
  kafka::PartitionListHandle assignment(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer.get(), assignment.get());
  std::vector<std::pair<std::int32_t, std::string>> records;
  eventually(
      [&] {
        kafka::MessageHandle message(rd_kafka_consumer_poll(consumer.get(), 100));
        if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          records.emplace_back(
              message->partition,
              std::string(static_cast<const char*>(message->payload), message->len));
        }
        return records.size() >= expected;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(0));
  rd_kafka_consumer_close(consumer.get());
  return records;
}

TEST_F(StackRoundTrip, RecordsComeBackFromEveryPartition) {
  constexpr int kRecords = 600;
  TestProducer producer(endpoints().brokers, topic());
  for (int i = 0; i < kRecords; ++i) {
    producer.produce("key-" + std::to_string(i), "value-" + std::to_string(i));
  }
  producer.wait_delivered();

  const auto records = read_back(endpoints().brokers, topic(), kPartitions, kRecords);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kRecords));
  std::set<std::string> values;
  std::set<std::int32_t> partitions;
  for (const auto& [partition, value] : records) {
    values.insert(value);
    partitions.insert(partition);
  }
  EXPECT_EQ(values.size(), static_cast<std::size_t>(kRecords)) << "a record came back twice";
  EXPECT_EQ(partitions.size(), static_cast<std::size_t>(kPartitions))
      << "keys did not spread over every partition";
}

TEST_F(StackRoundTrip, RowIsWrittenAndReadInTheTestsOwnSchema) {
  {
    auto connection = connect();
    pqxx::work tx(connection);
    tx.exec0("CREATE TABLE greeting (id integer PRIMARY KEY, text text NOT NULL)");
    tx.exec_params0("INSERT INTO greeting VALUES ($1, $2)", 1, std::string("hello, sink"));
    tx.commit();
  }
  EXPECT_EQ(query_value<std::string>("SELECT text FROM greeting WHERE id = 1"), "hello, sink");
  EXPECT_EQ(query_value<std::string>(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'greeting'"),
            schema());
}

}  // namespace
}  // namespace eventsink::testing
