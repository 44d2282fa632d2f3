// eventsink-producer's command line: three subcommands, their flags and environment variables.
//
//   eventsink-producer generate [--count N] [--rate R] [--duplicates 0.3] [--malformed 0.01]
//                               [--topics a,b]
//                               [--sources x,y] [--seed S] [SEND OPTIONS]
//   eventsink-producer replay FILE|- [--skip-invalid] [--rate R] [SEND OPTIONS]
//   eventsink-producer expect LEDGER... [--pretty]
//
// SEND OPTIONS: --brokers (EVENTSINK_BROKERS), --kafka-topic (EVENTSINK_KAFKA_TOPIC),
// --partitions, -X key=value, --ledger FILE, --metrics-port, --metrics-address,
// --flush-timeout. Every subcommand takes --log-level (EVENTSINK_LOG_LEVEL) and --log-format
// (EVENTSINK_LOG_FORMAT).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/logging.hpp"
#include "producer/send_session.hpp"

namespace eventsink {

struct GenerateCommand {
  SendOptions send;
  std::uint64_t count = 10000;  // 0: until interrupted
  double duplicate_ratio = 0.0;
  double malformed_ratio = 0.0;  // share of records that are not events (dead-letter material)
  std::vector<std::string> topics = {"order.created", "user.login", "payment.settled"};
  std::vector<std::string> sources = {"web", "ios", "android"};
  std::optional<std::uint64_t> seed;  // nullopt: a random seed, logged so the run can be repeated
};

struct ReplayCommand {
  SendOptions send;
  std::string input;  // a file, or "-" for standard input
  bool skip_invalid = false;
};

struct ExpectCommand {
  std::vector<std::string> ledgers;  // "-" for standard input
  bool pretty = false;
};

using ProducerCommand = std::variant<GenerateCommand, ReplayCommand, ExpectCommand>;

struct ProducerCommandLine {
  std::optional<ProducerCommand> command;  // nullopt: exit with `exit_code` (help, or an error)
  int exit_code = 0;
  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;
};

// Parses flags, falling back to the EVENTSINK_* environment variables, then to the defaults.
// Prints help, or a message naming the bad setting, to stdout/stderr as CLI11 does.
ProducerCommandLine parse_producer_command_line(int argc, const char* const* argv);

}  // namespace eventsink
