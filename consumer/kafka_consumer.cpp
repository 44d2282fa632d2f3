#include "consumer/kafka_consumer.hpp"

#include <array>
#include <map>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

namespace eventsink {
namespace {

std::vector<TopicPartition> to_vector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> result;
  result.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    result.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  return result;
}

kafka::PartitionListHandle to_list(const std::vector<TopicPartition>& partitions) {
  kafka::PartitionListHandle list(
      rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

}  // namespace

KafkaConsumer::KafkaConsumer(const kafka::Properties& properties, AssignHandler on_assign,
                             RevokeHandler on_revoke)
    : on_assign_(std::move(on_assign)), on_revoke_(std::move(on_revoke)) {
  auto conf = kafka::make_conf(properties);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaConsumer::rebalance_trampoline);
  std::array<char, 512> error{};
  // rd_kafka_new takes ownership of the configuration only when it succeeds.
  client_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error.data(), error.size()));
  if (!client_) {
    throw kafka::ConfigError(std::string("cannot create Kafka consumer: ") + error.data());
  }
  conf.release();
  // Route the main event queue into the consumer queue, so poll() serves everything.
  rd_kafka_poll_set_consumer(client_.get());
  poll_waker_ = std::make_shared<PollWaker>(client_.get());
}

KafkaConsumer::~KafkaConsumer() {
  close(kDefaultCloseTimeout);
  poll_waker_->detach();  // its queue handle must go before the client
  if (!closed_) {
    // rd_kafka_destroy() would try to leave the group again, as long as a blocking close can.
    rd_kafka_destroy_flags(client_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
}

void KafkaConsumer::subscribe(const std::vector<std::string>& topics) {
  kafka::PartitionListHandle list(
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& topic : topics) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  if (const auto error = rd_kafka_subscribe(client_.get(), list.get()); error) {
    throw std::runtime_error("cannot subscribe: " + kafka::error_text(error));
  }
}

kafka::MessageHandle KafkaConsumer::poll(std::chrono::milliseconds timeout) {
  return kafka::MessageHandle(
      rd_kafka_consumer_poll(client_.get(), static_cast<int>(timeout.count())));
}

void KafkaConsumer::commit_async(
    const std::vector<std::pair<TopicPartition, std::int64_t>>& next_offsets) {
  if (next_offsets.empty()) {
    return;
  }
  kafka::PartitionListHandle list(
      rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, offset] : next_offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  }
  if (const auto error = rd_kafka_commit(client_.get(), list.get(), /*async=*/1); error) {
    spdlog::debug("Kafka offset commit not sent: {}", kafka::error_text(error));
  }
}

void KafkaConsumer::pause(const std::vector<TopicPartition>& partitions) {
  auto list = to_list(partitions);
  rd_kafka_pause_partitions(client_.get(), list.get());
  paused_.insert(partitions.begin(), partitions.end());
}

std::optional<std::int64_t> KafkaConsumer::cached_high_watermark(const TopicPartition& tp) const {
  std::int64_t low = 0;
  std::int64_t high = 0;
  if (rd_kafka_get_watermark_offsets(client_.get(), tp.topic.c_str(), tp.partition, &low, &high) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return std::nullopt;
  }
  return high;
}

bool KafkaConsumer::close(std::chrono::milliseconds timeout) {
  if (close_called_) {
    return closed_;
  }
  close_called_ = true;
  // The asynchronous close forwards the consumer's queue to `queue`: the final revocation, and
  // any records fetched but not yet polled. Serving it as events (not callbacks, which librdkafka
  // refuses for fetched records) lets this thread run the revocation as poll() would; the records
  // are dropped, to be delivered again to the partitions' next owner from PostgreSQL's positions.
  const kafka::QueueHandle queue(rd_kafka_queue_new(client_.get()));
  if (const kafka::ErrorHandle error(rd_kafka_consumer_close_queue(client_.get(), queue.get()));
      error) {
    spdlog::warn("closing the Kafka consumer: {}", rd_kafka_error_string(error.get()));
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  constexpr int kServeIntervalMs = 100;
  while (!rd_kafka_consumer_closed(client_.get())) {
    if (std::chrono::steady_clock::now() >= deadline) {
      spdlog::warn(
          "the Kafka consumer did not leave its group within {} ms (is the broker "
          "reachable?); stopping without leaving it",
          timeout.count());
      return false;
    }
    const kafka::EventHandle event(rd_kafka_queue_poll(queue.get(), kServeIntervalMs));
    if (event && rd_kafka_event_type(event.get()) == RD_KAFKA_EVENT_REBALANCE) {
      rebalance(rd_kafka_event_error(event.get()),
                rd_kafka_event_topic_partition_list(event.get()));
    }
  }
  closed_ = true;
  return true;
}

void KafkaConsumer::rebalance_trampoline(rd_kafka_t* /*client*/, rd_kafka_resp_err_t reason,
                                         rd_kafka_topic_partition_list_t* partitions,
                                         void* opaque) {
  static_cast<KafkaConsumer*>(opaque)->rebalance(reason, partitions);
}

void KafkaConsumer::rebalance(rd_kafka_resp_err_t reason,
                              rd_kafka_topic_partition_list_t* partitions) {
  // librdkafka cannot propagate exceptions through its C callback: contain them here, and give
  // up the assignment so that a failure never leaves the consumer fetching unclaimed partitions.
  try {
    if (reason == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      const auto starts = on_assign_(to_vector(partitions));
      if (!starts) {
        rd_kafka_assign(client_.get(), nullptr);
        return;
      }
      std::map<TopicPartition, std::optional<std::int64_t>> by_partition;
      for (const auto& start : *starts) {
        by_partition[start.tp] = start.offset;
      }
      std::vector<TopicPartition> to_resume;
      for (int i = 0; i < partitions->cnt; ++i) {
        auto& element = partitions->elems[i];
        const TopicPartition tp{element.topic, element.partition};
        const auto offset = by_partition.at(tp);
        element.offset = offset ? *offset : RD_KAFKA_OFFSET_INVALID;
        if (paused_.erase(tp) > 0) {
          to_resume.push_back(tp);
        }
      }
      // A partition this consumer paused earlier is still paused: resume it now, before the
      // assignment, and no other partition. librdkafka 2.0.2 stamps each partition operation
      // with a version and drops, unannounced, one older than the newest it has served. A resume
      // takes its version here, on this thread; the fetcher's start of a partition without an
      // absolute offset is issued later, on librdkafka's thread, once the group has answered
      // for its committed offset. A resume that took its version after that start took its own,
      // but was queued first, made the start outdated: the partition was never fetched. (The
      // likeliest cause of a CI run in which one partition of six, all assigned without an
      // offset, stayed unread for 180 s with nothing logged; resuming every partition after
      // the assignment, as this did before, could also delay a start by half a second: an
      // offset answer it made outdated is asked for again after 500 ms.)
      if (!to_resume.empty()) {
        rd_kafka_resume_partitions(client_.get(), to_list(to_resume).get());
      }
      if (const auto error = rd_kafka_assign(client_.get(), partitions); error) {
        spdlog::error("assigning partitions failed: {}", kafka::error_text(error));
      }
    } else {
      on_revoke_(to_vector(partitions));
      rd_kafka_assign(client_.get(), nullptr);
    }
  } catch (const std::exception& error) {
    spdlog::error("rebalance handling failed, giving up the assignment: {}", error.what());
    rd_kafka_assign(client_.get(), nullptr);
  }
}

}  // namespace eventsink
