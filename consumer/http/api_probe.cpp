#include "consumer/http/api_probe.hpp"

namespace eventsink {
namespace {

const prometheus::Histogram::BucketBoundaries kSecondsBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

}  // namespace

ApiProbe::ApiProbe(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("eventsink_http_requests_total")
                    .Help("HTTP requests answered, by endpoint and status code")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("eventsink_http_request_duration_seconds")
                     .Help("Time to answer an HTTP request, by endpoint and status code")
                     .Register(registry)),
      publish_events_(
          prometheus::BuildCounter()
              .Name("eventsink_publish_events_total")
              .Help("Events in POST /publish requests, by outcome (accepted, rejected, failed)")
              .Register(registry)),
      accepted_(publish_events_.Add({{"outcome", "accepted"}})),
      rejected_(publish_events_.Add({{"outcome", "rejected"}})),
      failed_(publish_events_.Add({{"outcome", "failed"}})) {}

void ApiProbe::request_served(const std::string& endpoint, int status,
                              std::chrono::duration<double> duration) {
  // Family::Add returns the existing series for known labels (under the family's lock).
  requests_.Add({{"endpoint", endpoint}, {"status", std::to_string(status)}}).Increment();
  durations_.Add({{"endpoint", endpoint}, {"status", std::to_string(status)}}, kSecondsBuckets)
      .Observe(duration.count());
}

}  // namespace eventsink
