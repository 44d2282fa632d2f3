#include "benchmarks/topic_reader.hpp"

#include <array>
#include <memory>
#include <stdexcept>

#include <unistd.h>

#include "common/kafka_admin.hpp"

namespace eventsink::bench {
namespace {

constexpr std::chrono::milliseconds kBrokerTimeout{10000};

kafka::ClientHandle assigning_consumer(const kafka::Properties& connection) {
  // librdkafka wants a group id even for a consumer that only assigns; nothing joins it.
  auto conf = kafka::make_conf(kafka::merge_properties(
      {
          {"group.id", "eventsink-bench-reader-" + std::to_string(getpid())},
          {"enable.auto.commit", "false"},
          {"enable.auto.offset.store", "false"},
          {"enable.partition.eof", "false"},
          // The sink's workers bound their prefetch queue the same way (consumer_config.cpp).
          {"queued.max.messages.kbytes", "16384"},
      },
      connection));
  std::array<char, 512> error{};
  kafka::ClientHandle client(
      rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error.data(), error.size()));
  if (!client) {
    throw std::runtime_error(std::string("cannot create a Kafka consumer: ") + error.data());
  }
  conf.release();  // owned by the client now
  rd_kafka_poll_set_consumer(client.get());
  return client;
}

}  // namespace

TopicReader::TopicReader(const kafka::Properties& connection, std::string topic)
    : topic_(std::move(topic)), client_(assigning_consumer(connection)) {
  const int partitions = kafka::partition_count(connection, topic_, kBrokerTimeout);
  if (partitions == 0) {
    throw std::runtime_error("Kafka topic " + topic_ + " does not exist");
  }
  for (int partition = 0; partition < partitions; ++partition) {
    PartitionRange range;
    if (const auto error =
            rd_kafka_query_watermark_offsets(client_.get(), topic_.c_str(), partition, &range.begin,
                                             &range.end, static_cast<int>(kBrokerTimeout.count()));
        error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("watermarks of " + topic_ + "/" + std::to_string(partition) + ": " +
                               kafka::error_text(error));
    }
    records_ += static_cast<std::uint64_t>(range.end - range.begin);
    ranges_.push_back(range);
  }
}

void TopicReader::consume_until(const std::function<bool()>& done, const RecordHandler& on_record,
                                std::chrono::milliseconds timeout, std::string_view activity,
                                const std::function<std::string()>& shortfall) {
  kafka::PartitionListHandle assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(ranges_.size())));
  for (std::size_t partition = 0; partition < ranges_.size(); ++partition) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic_.c_str(),
                                      static_cast<std::int32_t>(partition))
        ->offset = ranges_[partition].begin;
  }
  if (const auto error = rd_kafka_assign(client_.get(), assignment.get()); error) {
    throw std::runtime_error("assigning " + topic_ + ": " + kafka::error_text(error));
  }
  // Unassigns on every way out, so a reader that threw can read again.
  const auto unassign = [](rd_kafka_t* client) { rd_kafka_assign(client, nullptr); };
  const std::unique_ptr<rd_kafka_t, decltype(unassign)> assigned(client_.get(), unassign);

  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) {
      throw std::runtime_error(std::string(activity) + " " + topic_ + ": " + shortfall() +
                               " within " + std::to_string(timeout.count()) + " ms");
    }
    const kafka::MessageHandle message(rd_kafka_consumer_poll(client_.get(), 100));
    if (!message) {
      continue;
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(std::string(activity) + " " + topic_ + ": " +
                               rd_kafka_message_errstr(message.get()));
    }
    on_record(*message);
  }
}

void TopicReader::read(const RecordHandler& on_record, std::chrono::milliseconds timeout) {
  std::size_t partitions_left = 0;
  for (const auto& range : ranges_) {
    partitions_left += range.end > range.begin ? 1 : 0;
  }
  consume_until(
      [&] { return partitions_left == 0; },
      [&](const rd_kafka_message_t& message) {
        const auto& range = ranges_[static_cast<std::size_t>(message.partition)];
        if (message.offset >= range.end) {
          return;  // produced after this reader was made: not part of the data set
        }
        on_record(message);
        // The last offset, not a count of records, ends a partition: offsets may have gaps.
        if (message.offset + 1 == range.end) {
          --partitions_left;
        }
      },
      timeout, "reading",
      [&] { return std::to_string(partitions_left) + " partitions' last records did not arrive"; });
}

void TopicReader::follow(std::uint64_t count, const RecordHandler& on_record,
                         std::chrono::milliseconds timeout) {
  std::uint64_t seen = 0;
  consume_until(
      [&] { return seen == count; },
      [&](const rd_kafka_message_t& message) {
        on_record(message);
        ++seen;
      },
      timeout, "following",
      [&] { return std::to_string(seen) + " of " + std::to_string(count) + " records arrived"; });
}

}  // namespace eventsink::bench
