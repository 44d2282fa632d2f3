// eventsink-producer: writes events to Kafka (generate, replay) and tells what the sink must
// then report (expect); see README.md. Only wiring here: parsing is in producer_config, the
// sending in send_session, the sources in record_sources.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>

#include <spdlog/spdlog.h>

#include "common/event.hpp"
#include "producer/expected_stats.hpp"
#include "producer/load_generator.hpp"
#include "producer/producer_config.hpp"
#include "producer/record_sources.hpp"
#include "producer/send_session.hpp"

namespace {

using namespace eventsink;

int generate(const GenerateCommand& command) {
  std::uint64_t seed = 0;
  if (command.seed) {
    seed = *command.seed;
  } else {
    std::random_device entropy;
    seed = (std::uint64_t{entropy()} << 32) | entropy();
  }
  spdlog::info("generating {} records, {:.0f}% duplicates, seed {} (--seed {} repeats this run)",
               command.count == 0 ? std::string("endless") : std::to_string(command.count),
               command.duplicate_ratio * 100, seed, seed);
  LoadGenerator generator(LoadSettings{
      .seed = seed,
      .duplicate_ratio = command.duplicate_ratio,
      .topics = command.topics,
      .sources = command.sources,
      .start =
          std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()),
  });
  GeneratedRecords records(generator, command.count, command.malformed_ratio, seed);
  return run_send_session(command.send, records);
}

int replay(const ReplayCommand& command) {
  if (command.input == "-") {
    ReplayedLines lines(std::cin, command.skip_invalid);
    return run_send_session(command.send, lines);
  }
  std::ifstream file(command.input, std::ios::binary);
  if (!file) {
    spdlog::error("cannot read {}", command.input);
    return 1;
  }
  ReplayedLines lines(file, command.skip_invalid);
  return run_send_session(command.send, lines);
}

int expect(const ExpectCommand& command) {
  ExpectedStats stats;
  for (const auto& ledger : command.ledgers) {
    stats.add_ledger_file(ledger);
  }
  std::cout << stats.to_json(command.pretty ? 2 : -1) << '\n';
  return std::cout.flush() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto command_line = parse_producer_command_line(argc, argv);
  if (!command_line.command) {
    return command_line.exit_code;
  }
  try {
    configure_logging(command_line.log_level, command_line.log_format);
    return std::visit(
        [](const auto& command) -> int {
          using Command = std::decay_t<decltype(command)>;
          if constexpr (std::is_same_v<Command, GenerateCommand>) {
            return generate(command);
          } else if constexpr (std::is_same_v<Command, ReplayCommand>) {
            return replay(command);
          } else {
            return expect(command);
          }
        },
        *command_line.command);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
}
