#include "consumer/fetch_waker.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

namespace eventsink {
namespace {

// The prefetch limit `client` was created with, in bytes.
std::size_t prefetch_limit_bytes(rd_kafka_t* client) {
  std::array<char, 32> text{};
  std::size_t size = text.size();
  std::size_t kibibytes = 65536;  // librdkafka's default, should the lookup ever fail
  if (rd_kafka_conf_get(rd_kafka_conf(client), "queued.max.messages.kbytes", text.data(), &size) ==
      RD_KAFKA_CONF_OK) {
    std::from_chars(text.data(), text.data() + std::strlen(text.data()), kibibytes);
  }
  return kibibytes * 1024;
}

}  // namespace

FetchWaker::FetchWaker(rd_kafka_t* client)
    : client_(client),
      wake_every_bytes_(std::max<std::size_t>(1, prefetch_limit_bytes(client) / 4)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

FetchWaker::~FetchWaker() = default;

void FetchWaker::taken(const rd_kafka_message_t& message) {
  taken_bytes_ += message.len + message.key_len;
  if (taken_bytes_ < wake_every_bytes_) {
    return;
  }
  taken_bytes_ = 0;
  {
    const std::lock_guard lock(mutex_);
    pending_ = TopicPartition{rd_kafka_topic_name(message.rkt), message.partition};
  }
  pending_changed_.notify_one();
}

void FetchWaker::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (pending_changed_.wait(lock, stop, [this] { return pending_.has_value(); })) {
    const TopicPartition target = std::move(*pending_);
    pending_.reset();
    lock.unlock();
    // Sending the query is what wakes the fetcher; its answer does not matter. A failure (the
    // broker down, the partition moved) needs no handling: the next wake sends another.
    std::int64_t low = 0;
    std::int64_t high = 0;
    rd_kafka_query_watermark_offsets(client_, target.topic.c_str(), target.partition, &low, &high,
                                     kQueryTimeoutMs);
    lock.lock();
  }
}

}  // namespace eventsink
