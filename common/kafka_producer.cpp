#include "common/kafka_producer.hpp"

#include <array>
#include <stdexcept>

namespace eventsink::kafka {

Properties producer_properties(const std::string& brokers, const Properties& overrides) {
  return merge_properties(
      {
          {"bootstrap.servers", brokers},
          {"enable.idempotence", "true"},
          {"acks", "all"},
          // One produce request per broker at a time. With more, librdkafka 2.0.2 can report a
          // record delivered that the broker never stored: a partition's first request fails
          // (say, NOT_LEADER while a new topic's leader is still loading), the next request,
          // already on its way, succeeds (the broker accepts any first sequence number from a
          // producer it has no state for), and librdkafka takes that success as an implicit
          // acknowledgement of the failed records, with offset -1001 (confluent-kafka-go#921;
          // seen in a chaos run here). About a tenth of the producer's peak rate is the price.
          {"max.in.flight.requests.per.connection", "1"},
          // The Java client's partitioner: the same key lands on the same partition whoever
          // produces it (this producer, kcat with -X partitioner=murmur2_random, Java services).
          {"partitioner", "murmur2_random"},
          {"linger.ms", "5"},
          {"compression.type", "lz4"},
      },
      overrides);
}

Producer::Producer(const Properties& properties, DeliveryCallback on_delivery)
    : on_delivery_(std::move(on_delivery)) {
  auto conf = make_conf(properties);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::delivery_trampoline);
  std::array<char, 512> error{};
  client_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error.data(), error.size()));
  if (!client_) {
    throw ConfigError(std::string("cannot create Kafka producer: ") + error.data());
  }
  conf.release();  // owned by the client now
  poller_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      rd_kafka_poll(client_.get(), 100);
    }
  });
}

Producer::~Producer() {
  flush(std::chrono::seconds(10));
  poller_.request_stop();
  poller_.join();
}

void Producer::produce(const std::string& topic, std::string_view key, std::string_view value,
                       void* opaque, std::int32_t partition, std::chrono::milliseconds queue_wait) {
  const auto give_up = std::chrono::steady_clock::now() + queue_wait;
  for (;;) {
    const auto error = rd_kafka_producev(
        client_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_OPAQUE(opaque),
        RD_KAFKA_V_END);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      return;
    }
    if (error != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error("cannot produce to " + topic + ": " + error_text(error));
    }
    // The poller thread drains delivery reports; give it a moment to make room.
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool Producer::flush(std::chrono::milliseconds timeout) {
  return rd_kafka_flush(client_.get(), static_cast<int>(timeout.count())) ==
         RD_KAFKA_RESP_ERR_NO_ERROR;
}

void Producer::delivery_trampoline(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Producer*>(opaque)->on_delivery_(DeliveryReport{.error = message->err,
                                                              .partition = message->partition,
                                                              .offset = message->offset,
                                                              .opaque = message->_private});
}

}  // namespace eventsink::kafka
