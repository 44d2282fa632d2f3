// One run of `generate` or `replay`: everything between "here are records" and the exit code.
//
// In order: makes sure the Kafka topic exists (creating it with the requested partitions), starts
// the metrics endpoint if asked, opens the ledger, sends every record from the source (paced to
// the requested rate) while showing progress, then waits for the outstanding delivery reports,
// closes the ledger and logs the summary.
//
// SIGINT/SIGTERM while the topic is being checked end the process at once (nothing was sent);
// afterwards they stop the sending; records already handed to Kafka still get up to
// `flush_timeout` to be acknowledged (a second signal gives up at once); records still
// unconfirmed then are abandoned and counted as failed. The ledger is always closed properly, so
// it lists exactly the records known to be delivered.
//
// EXIT CODES: 0 every record was delivered; 1 some record failed (or was abandoned), the ledger
// could not be written, or an error stopped the run; 130 / 143 interrupted by SIGINT / SIGTERM
// with every sent record delivered (1 wins over 130/143 when both apply).
#pragma once

#include <chrono>
#include <string>

#include "common/kafka_config.hpp"
#include "producer/record_source.hpp"

namespace eventsink {

struct SendOptions {
  std::string brokers;
  std::string kafka_topic;
  int partitions = 6;                 // used only when the topic has to be created
  kafka::Properties kafka_overrides;  // -X key=value, applied after the durable defaults
  std::string ledger_path;            // "" for no ledger
  double rate = 0;                    // records per second; 0 = as fast as possible
  int metrics_port = 0;               // 0 for no metrics endpoint
  std::string metrics_address = "0.0.0.0";
  std::chrono::milliseconds flush_timeout{std::chrono::seconds(30)};
};

// Runs the session and returns the process exit code (see above). Never throws: errors are
// logged and give exit code 1.
int run_send_session(const SendOptions& options, RecordSource& source);

}  // namespace eventsink
