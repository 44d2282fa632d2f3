#include "benchmarks/connect_envelope.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <variant>

#include <nlohmann/json.hpp>

#include "benchmarks/topic_reader.hpp"
#include "common/kafka_admin.hpp"
#include "common/kafka_producer.hpp"

namespace eventsink::bench {
namespace {

// Connect's schema of one event; every field required.
constexpr std::string_view kEventSchema =
    R"({"type":"struct","name":"eventsink.Event","optional":false,"fields":[)"
    R"({"field":"topic","type":"string","optional":false},)"
    R"({"field":"event_id","type":"string","optional":false},)"
    R"({"field":"event_time","type":"string","optional":false,)"
    R"("name":"io.debezium.time.ZonedTimestamp","version":1},)"
    R"({"field":"source","type":"string","optional":false},)"
    R"({"field":"payload","type":"string","optional":false,"name":"io.debezium.data.Json",)"
    R"("version":1}]})";

}  // namespace

std::string connect_envelope(const Event& event) {
  const nlohmann::json payload = {
      {"topic", event.topic},
      {"event_id", event.event_id},
      {"event_time", format_timestamp(event.timestamp)},
      {"source", event.source},
      {"payload", event.payload_json},
  };
  std::string envelope = R"({"schema":)";
  envelope += kEventSchema;
  envelope += R"(,"payload":)";
  envelope += payload.dump();
  envelope += '}';
  return envelope;
}

EnvelopeCopyResult copy_as_connect_envelopes(const kafka::Properties& connection,
                                             const std::string& from, const std::string& to) {
  TopicReader reader(connection, from);
  kafka::create_topic(connection, to, reader.partitions());
  std::atomic<std::uint64_t> acknowledged = 0;
  std::atomic<std::uint64_t> failed = 0;
  EnvelopeCopyResult result;
  {
    // The connection carries bootstrap.servers; the producer adds its durable defaults.
    kafka::Producer producer(kafka::producer_properties("", connection),
                             [&](const kafka::DeliveryReport& report) {
                               (report.delivered() ? acknowledged : failed)++;
                             });
    EventParser parser;
    reader.read([&](const rd_kafka_message_t& message) {
      ++result.records;
      if (message.payload == nullptr) {
        ++result.skipped;
        return;
      }
      auto outcome =
          parser.parse(std::string_view(static_cast<const char*>(message.payload), message.len));
      const auto* event = std::get_if<Event>(&outcome);
      if (event == nullptr) {
        ++result.skipped;
        return;
      }
      const std::string_view key(static_cast<const char*>(message.key), message.key_len);
      producer.produce(to, key, connect_envelope(*event), nullptr, message.partition);
    });
    if (!producer.flush(std::chrono::minutes(2))) {
      throw std::runtime_error("writing " + to + ": records still unacknowledged after 2 minutes");
    }
  }
  if (failed > 0) {
    throw std::runtime_error("writing " + to + ": " + std::to_string(failed.load()) +
                             " records were not acknowledged");
  }
  result.written = acknowledged;
  return result;
}

}  // namespace eventsink::bench
