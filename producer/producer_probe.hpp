// The producer's Prometheus metrics, kept apart from the code they observe.
//
// All metrics carry the prefix "eventsink_producer_" and no labels.
//
// Thread-safety: every method may be called from any thread concurrently (prometheus-cpp
// counters are atomic); the delivery callback calls acknowledged()/failed() on librdkafka's
// polling thread while the session's thread calls sent().
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

namespace eventsink {

class ProducerProbe {
 public:
  explicit ProducerProbe(prometheus::Registry& registry);

  // A record was handed to the Kafka client.
  void sent(bool duplicate, bool invalid);
  void acknowledged() { acknowledged_.Increment(); }
  void failed() { failed_.Increment(); }

 private:
  prometheus::Counter& sent_;
  prometheus::Counter& acknowledged_;
  prometheus::Counter& failed_;
  prometheus::Counter& duplicates_;
  prometheus::Counter& invalid_;
};

}  // namespace eventsink
