// The HTTP API's Prometheus metrics, kept apart from the endpoints they observe.
//
//   eventsink_http_requests_total{endpoint,status}            answered requests
//   eventsink_http_request_duration_seconds{endpoint,status}  full request to the answer
//   eventsink_publish_events_total{outcome}                   events of POST /publish requests:
//     accepted  acknowledged by Kafka and answered 202
//     rejected  in a batch refused as invalid (400; none of its events is published)
//     failed    in a batch answered 503 (Kafka unreachable, or it did not acknowledge in time)
//
// `endpoint` is a route's path, from the fixed set the API registers: never a client's URL, so
// the label's cardinality is bounded.
//
// Thread-safety: every method is safe to call from any thread concurrently.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace eventsink {

class ApiProbe {
 public:
  explicit ApiProbe(prometheus::Registry& registry);

  void request_served(const std::string& endpoint, int status,
                      std::chrono::duration<double> duration);

  void events_accepted(std::size_t count) { accepted_.Increment(double(count)); }
  void events_rejected(std::size_t count) { rejected_.Increment(double(count)); }
  void events_failed(std::size_t count) { failed_.Increment(double(count)); }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Counter>& publish_events_;
  prometheus::Counter& accepted_;
  prometheus::Counter& rejected_;
  prometheus::Counter& failed_;
};

}  // namespace eventsink
