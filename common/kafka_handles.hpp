// Owning handles for librdkafka's C objects.
//
// Each librdkafka type gets a std::unique_ptr whose deleter is that type's own destroy function, so
// a handle is released exactly once on every path, exceptions included. A consumer needs one more
// step before destruction (leaving the group), which KafkaConsumer does in its destructor; these
// handles only release memory and connections.
//
// Thread-safety: as for the underlying objects. rd_kafka_t is thread-safe; configuration objects,
// partition lists and messages belong to one thread at a time.
#pragma once

#include <memory>

#include <librdkafka/rdkafka.h>

namespace eventsink::kafka {

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* handle) const noexcept {
    if (handle != nullptr) {
      Destroy(handle);
    }
  }
};

using ClientHandle = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_destroy>>;
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
using TopicConfHandle =
    std::unique_ptr<rd_kafka_topic_conf_t, Deleter<rd_kafka_topic_conf_destroy>>;
using PartitionListHandle = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                            Deleter<rd_kafka_topic_partition_list_destroy>>;
using MessageHandle = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using ErrorHandle = std::unique_ptr<rd_kafka_error_t, Deleter<rd_kafka_error_destroy>>;
using QueueHandle = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using EventHandle = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using HeadersHandle = std::unique_ptr<rd_kafka_headers_t, Deleter<rd_kafka_headers_destroy>>;
using AdminOptionsHandle =
    std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using NewTopicHandle = std::unique_ptr<rd_kafka_NewTopic_t, Deleter<rd_kafka_NewTopic_destroy>>;
using TopicHandle = std::unique_ptr<rd_kafka_topic_t, Deleter<rd_kafka_topic_destroy>>;
using DeleteTopicHandle =
    std::unique_ptr<rd_kafka_DeleteTopic_t, Deleter<rd_kafka_DeleteTopic_destroy>>;
using MetadataHandle =
    std::unique_ptr<const rd_kafka_metadata_t, Deleter<rd_kafka_metadata_destroy>>;
using GroupListHandle =
    std::unique_ptr<const rd_kafka_group_list, Deleter<rd_kafka_group_list_destroy>>;

}  // namespace eventsink::kafka
