#include "producer/expected_stats.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace eventsink {

void ExpectedStats::add(const LedgerEntry& entry) {
  if (entry.invalid()) {
    ++dead_lettered_;
    return;
  }
  TopicExpectation& topic = topics_[entry.topic];
  ++topic.received;
  if (event_ids_[entry.topic].insert(entry.event_id).second) {
    ++topic.unique_processed;
  } else {
    ++topic.duplicate_dropped;
  }
}

void ExpectedStats::add_ledger_file(const std::string& path) {
  const auto visit = [this](const LedgerEntry& entry) { add(entry); };
  if (path == "-") {
    read_ledger(std::cin, "<stdin>", visit);
    return;
  }
  std::ifstream file(path);
  if (!file) {
    throw std::runtime_error("cannot read ledger " + path + ": " + std::strerror(errno));
  }
  read_ledger(file, path, visit);
}

std::int64_t ExpectedStats::received() const {
  std::int64_t total = 0;
  for (const auto& [name, topic] : topics_) {
    total += topic.received;
  }
  return total;
}

std::int64_t ExpectedStats::unique_processed() const {
  std::int64_t total = 0;
  for (const auto& [name, topic] : topics_) {
    total += topic.unique_processed;
  }
  return total;
}

std::string ExpectedStats::to_json(int indent) const {
  nlohmann::ordered_json topics = nlohmann::ordered_json::object();
  for (const auto& [name, topic] : topics_) {
    topics[name] = {{"received", topic.received},
                    {"unique_processed", topic.unique_processed},
                    {"duplicate_dropped", topic.duplicate_dropped}};
  }
  const nlohmann::ordered_json stats = {{"received", received()},
                                        {"unique_processed", unique_processed()},
                                        {"duplicate_dropped", duplicate_dropped()},
                                        {"topics", std::move(topics)},
                                        {"dead_lettered", dead_lettered_}};
  // Ledgers written by the producer hold valid UTF-8; a hand-edited one might not.
  return stats.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace eventsink
