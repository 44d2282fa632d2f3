#include "producer/producer_probe.hpp"

#include <string>

namespace eventsink {
namespace {

prometheus::Counter& counter(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ProducerProbe::ProducerProbe(prometheus::Registry& registry)
    : sent_(counter(registry, "eventsink_producer_records_sent_total",
                    "Records handed to the Kafka client")),
      acknowledged_(counter(registry, "eventsink_producer_records_acknowledged_total",
                            "Records the broker acknowledged (acks=all)")),
      failed_(counter(registry, "eventsink_producer_records_failed_total",
                      "Records whose delivery failed or was abandoned at shutdown")),
      duplicates_(counter(registry, "eventsink_producer_duplicates_generated_total",
                          "Records sent that repeat an earlier event of this run")),
      invalid_(counter(registry, "eventsink_producer_records_invalid_total",
                       "Records sent that are not valid events (the sink dead-letters them)")) {}

void ProducerProbe::sent(bool duplicate, bool invalid) {
  sent_.Increment();
  if (duplicate) {
    duplicates_.Increment();
  }
  if (invalid) {
    invalid_.Increment();
  }
}

}  // namespace eventsink
