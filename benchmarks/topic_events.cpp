#include "benchmarks/topic_events.hpp"

#include <string_view>
#include <variant>

#include "benchmarks/topic_reader.hpp"

namespace eventsink::bench {

TopicEventCounts for_each_event(
    const kafka::Properties& connection, const std::string& topic,
    const std::function<void(RecordCoordinates at, Event event)>& on_event) {
  TopicEventCounts counts;
  TopicReader reader(connection, topic);
  EventParser parser;
  reader.read([&](const rd_kafka_message_t& message) {
    ++counts.records;
    if (message.payload == nullptr) {
      ++counts.invalid;
      return;
    }
    auto outcome =
        parser.parse(std::string_view(static_cast<const char*>(message.payload), message.len));
    auto* event = std::get_if<Event>(&outcome);
    if (event == nullptr) {
      ++counts.invalid;
      return;
    }
    on_event(RecordCoordinates{.kafka_topic = rd_kafka_topic_name(message.rkt),
                               .partition = message.partition,
                               .offset = message.offset},
             std::move(*event));
  });
  return counts;
}

}  // namespace eventsink::bench
