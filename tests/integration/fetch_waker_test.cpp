// FetchWaker against the real broker: while a consumer with a prefetch queue far smaller than its
// backlog drains it, the waker's queries reach the partition's leader, and every record arrives
// once and in order.
#include "consumer/fetch_waker.hpp"

#include <atomic>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"
#include "tests/integration/stack_test.hpp"

namespace eventsink::testing {
namespace {

using FetchWakerTest = StackTest;

// ListOffsets requests the client has sent, summed over its brokers, from its latest statistics.
std::atomic<std::int64_t> list_offsets_requests{-1};

int remember_list_offsets(rd_kafka_t* /*client*/, char* json, std::size_t json_len,
                          void* /*opaque*/) {
  const auto statistics = nlohmann::json::parse(json, json + json_len);
  std::int64_t total = 0;
  for (const auto& [name, broker] : statistics.at("brokers").items()) {
    total += broker.at("req").value("ListOffsets", std::int64_t{0});
  }
  list_offsets_requests = total;
  return 0;  // librdkafka frees `json`
}

TEST_F(FetchWakerTest, WakesReachTheLeaderWhileASmallQueueDrainsABacklog) {
  // About 5 MB on one partition, against a prefetch queue of 1 MiB.
  constexpr int kRecords = 20'000;
  // Incompressible values: the producer compresses, and the fetch limits count wire bytes.
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> letter('a', 'z');
  TestProducer producer(endpoints().brokers, topic());
  for (int i = 0; i < kRecords; ++i) {
    std::string value(250, ' ');
    for (auto& c : value) {
      c = static_cast<char>(letter(random));
    }
    producer.produce("key", value, 0);
  }
  producer.wait_delivered();

  auto conf = kafka::make_conf({{"bootstrap.servers", endpoints().brokers},
                                {"group.id", topic() + "-waker"},
                                {"enable.auto.commit", "false"},
                                {"queued.max.messages.kbytes", "1024"},
                                {"statistics.interval.ms", "100"}});
  rd_kafka_conf_set_stats_cb(conf.get(), &remember_list_offsets);
  char error[512];
  kafka::ClientHandle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error));
  ASSERT_TRUE(consumer) << error;
  conf.release();
  rd_kafka_poll_set_consumer(consumer.get());  // statistics arrive through consumer_poll()
  kafka::PartitionListHandle assignment(rd_kafka_topic_partition_list_new(1));
  // A concrete offset: a logical one (beginning, end) would itself cost a ListOffsets request.
  rd_kafka_topic_partition_list_add(assignment.get(), topic().c_str(), 0)->offset = 0;
  ASSERT_EQ(rd_kafka_assign(consumer.get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);

  {
    FetchWaker waker(consumer.get());
    EXPECT_EQ(waker.wake_every_bytes(), 1024U * 1024U / 4U);
    std::int64_t next_offset = 0;
    const bool drained = eventually(
        [&] {
          kafka::MessageHandle message(rd_kafka_consumer_poll(consumer.get(), 100));
          if (message && message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            EXPECT_EQ(message->offset, next_offset) << "records must arrive once and in order";
            next_offset = message->offset + 1;
            waker.taken(*message);
          }
          return next_offset == kRecords;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(0));
    ASSERT_TRUE(drained) << "drained " << next_offset << " of " << kRecords << " records";
  }
  // Nothing else in this client queries offsets: every ListOffsets request is a wake. One wake
  // is two requests (low and high watermark); about 20 wakes were due.
  const bool woken = eventually(
      [&] {
        kafka::MessageHandle event(rd_kafka_consumer_poll(consumer.get(), 100));
        return list_offsets_requests >= 2;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(0));
  EXPECT_TRUE(woken) << "the broker saw " << list_offsets_requests << " ListOffsets requests";
  rd_kafka_consumer_close(consumer.get());
}

}  // namespace
}  // namespace eventsink::testing
