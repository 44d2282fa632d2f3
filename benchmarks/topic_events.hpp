// The benchmark topic's events, validated as the sink validates them.
//
// Thread-safety: runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/event.hpp"
#include "common/kafka_config.hpp"
#include "consumer/topic_partition.hpp"

namespace eventsink::bench {

struct TopicEventCounts {
  std::uint64_t records = 0;  // read from the topic
  std::uint64_t invalid = 0;  // not valid events (the sink would dead-letter them)
};

// Reads the whole topic once (TopicReader) and calls `on_event` for every record that is a valid
// event (EventParser, the sink's own validation), each partition in offset order.
TopicEventCounts for_each_event(
    const kafka::Properties& connection, const std::string& topic,
    const std::function<void(RecordCoordinates at, Event event)>& on_event);

}  // namespace eventsink::bench
