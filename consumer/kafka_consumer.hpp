// A librdkafka group consumer that hands partition assignment to its owner.
//
// On every rebalance librdkafka calls back into poll(). On assignment the owner's AssignHandler
// says where each partition starts (from PostgreSQL, the source of truth), and the consumer
// assigns them with those offsets; on revocation the RevokeHandler runs before the partitions are
// given up. The eager protocol is used: cooperative rebalancing had several fixes after
// librdkafka 2.0.2, which is what Debian 12 ships.
//
// Thread-safety: all calls, and the handlers, happen on the thread that calls poll(), except
// poll_waker(), whose waker any thread may use. The destructor closes the consumer (leaving the
// group, which runs the RevokeHandler once more) unless close() was called.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"
#include "consumer/poll_waker.hpp"
#include "consumer/topic_partition.hpp"

namespace eventsink {

struct StartOffset {
  TopicPartition tp;
  std::optional<std::int64_t> offset;  // nullopt: Kafka's committed offset, or auto.offset.reset
};

class KafkaConsumer {
 public:
  // Returns where each assigned partition starts, or nullopt to leave them unassigned (the
  // worker is stopping).
  using AssignHandler =
      std::function<std::optional<std::vector<StartOffset>>(const std::vector<TopicPartition>&)>;
  using RevokeHandler = std::function<void(const std::vector<TopicPartition>&)>;

  // `properties` must include bootstrap.servers and group.id. Throws kafka::ConfigError.
  KafkaConsumer(const kafka::Properties& properties, AssignHandler on_assign,
                RevokeHandler on_revoke);
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Subscribes to topics; a name starting with '^' is a regular expression.
  void subscribe(const std::vector<std::string>& topics);

  // The next message or event (check ->err), or nullptr when the timeout passed or the poll
  // waker woke it.
  kafka::MessageHandle poll(std::chrono::milliseconds timeout);
  // Makes poll() return early, from any thread, for as long as the waker is held.
  std::shared_ptr<PollWaker> poll_waker() const { return poll_waker_; }

  // Commits offsets to Kafka asynchronously. Informational only: PostgreSQL holds the truth.
  void commit_async(const std::vector<std::pair<TopicPartition, std::int64_t>>& next_offsets);

  // Stops fetching the partitions until they are next assigned: the following assignment of
  // any of them resumes it.
  void pause(const std::vector<TopicPartition>& partitions);

  // The broker's high watermark as last seen by a fetch, if any (no network round trip).
  std::optional<std::int64_t> cached_high_watermark(const TopicPartition& tp) const;

  // Leaves the group (running the RevokeHandler) and returns true once it has. Gives up and
  // returns false after `timeout`: with the broker gone, leaving would otherwise wait for up to
  // session.timeout.ms, and a stopping process should not. Nothing is lost by giving up: the
  // group evicts the member after its session timeout, and PostgreSQL holds every position.
  // Idempotent; the destructor calls it with kDefaultCloseTimeout.
  bool close(std::chrono::milliseconds timeout);
  static constexpr std::chrono::milliseconds kDefaultCloseTimeout{10'000};

  rd_kafka_t* native() const { return client_.get(); }

 private:
  static void rebalance_trampoline(rd_kafka_t* client, rd_kafka_resp_err_t reason,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void rebalance(rd_kafka_resp_err_t reason, rd_kafka_topic_partition_list_t* partitions);

  AssignHandler on_assign_;
  RevokeHandler on_revoke_;
  kafka::ClientHandle client_;
  std::shared_ptr<PollWaker> poll_waker_;  // detached before client_ is destroyed
  // Paused by pause() and not yet resumed: librdkafka keeps a partition's pause across an
  // unassignment, so the next assignment must lift it.
  std::set<TopicPartition> paused_;
  bool close_called_ = false;
  bool closed_ = false;
};

}  // namespace eventsink
