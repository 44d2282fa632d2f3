// POST /publish: validates events and produces them to the service's Kafka topic.
//
// The body is one event, an array of events, or {"events":[...]} (consumer/publish_body.hpp),
// with Content-Type application/json. Every event is validated by EventParser, exactly as the
// consumer will validate it. Then, all or nothing:
//
//   202 {"status":"accepted","accepted":N}   every event was valid and Kafka acknowledged every
//                                            record (acks=all, idempotent producer)
//   400 {"status":"rejected","errors":[{"index":1,"field":"timestamp","reason":"...",
//        "code":"invalid_timestamp"}, ...]}  some event is invalid: nothing was produced. One
//                                            entry per invalid event; a body that cannot be split
//                                            into events at all gets one entry with index null
//                                            (codes empty_body, empty_batch, invalid_json,
//                                            invalid_utf8, invalid_envelope)
//   401 when a token is configured and the request lacks "Authorization: Bearer <token>"
//   413 more than max_events events (bodies over the server's byte limit are refused by
//       HttpServer before they get here)
//   415 Content-Type is not application/json
//   503 {"status":"unavailable","error":"..."}  Kafka is unreachable or did not acknowledge
//
// Each record's key is "<topic>/<event_id>" (so every copy of an event lands on one partition)
// and its value the event's canonical JSON (to_json). An empty batch is refused (400
// empty_batch): it is almost always a client bug, and 202 would hide it.
//
// About 503: before producing, the broker is asked for the topic's metadata; when that fails
// nothing is produced. A 503 after records were queued (the acknowledgement deadline passed, or
// the broker refused some) means SOME of the batch may have been published. Clients simply
// retry the whole request: the sink stores each (topic, event_id) once, so the copies are
// counted as duplicates and change nothing else.
//
// Thread-safety: handle() may be called from any number of threads concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "common/kafka_config.hpp"
#include "common/kafka_handles.hpp"
#include "common/kafka_producer.hpp"
#include "consumer/http/api_probe.hpp"
#include "consumer/http/http_server.hpp"

namespace eventsink {

struct PublishOptions {
  std::string brokers;
  // TLS/SASL and other settings of the consumer's -X that say how to reach the brokers
  // (kafka::connection_properties); the publishing producer uses them too.
  kafka::Properties connection;
  std::string kafka_topic;  // where accepted events are produced
  std::size_t max_events = 1000;
  std::string token;  // empty: no authentication; never logged
  // How long Kafka gets to acknowledge a batch. Also the records' message.timeout.ms, so a record
  // not acknowledged by then is failed by librdkafka rather than delivered long after the 503.
  std::chrono::milliseconds ack_timeout{10000};
  // How long the broker gets to answer the metadata request made before producing.
  std::chrono::milliseconds broker_check_timeout{2000};
};

class PublishEndpoint {
 public:
  // Throws kafka::ConfigError when the producer cannot be created. Connects in the background.
  PublishEndpoint(PublishOptions options, ApiProbe& probe);
  ~PublishEndpoint();
  PublishEndpoint(const PublishEndpoint&) = delete;
  PublishEndpoint& operator=(const PublishEndpoint&) = delete;

  HttpResponse handle(const HttpRequest& request);

 private:
  struct PendingBatch;

  // Empty when the broker answers for the topic; otherwise why not.
  std::string broker_problem();
  // Produces every event and waits for the acknowledgements: 202 or 503.
  HttpResponse produce(const std::vector<Event>& events);
  static void on_delivery(const kafka::DeliveryReport& report);

  const PublishOptions options_;
  ApiProbe& probe_;
  std::unique_ptr<kafka::Producer> producer_;
  kafka::TopicHandle topic_;  // of producer_'s client: declared after it, destroyed before it
};

}  // namespace eventsink
