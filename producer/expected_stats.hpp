// What the sink must report once it has consumed every record of one or more ledgers: the
// consumer's GET /stats, computed from the producer's side.
//
// Every valid record counts as received under its event topic; the first record of each
// (topic, event_id) is processed, the others are dropped as duplicates; every invalid record is
// dead-lettered. Ledgers of several producer runs into the same Kafka topic add up (an event
// sent by two runs is a duplicate the second time).
//
// Thread-safety: none; an ExpectedStats belongs to one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>

#include "producer/ledger.hpp"

namespace eventsink {

struct TopicExpectation {
  std::int64_t received = 0;
  std::int64_t unique_processed = 0;
  std::int64_t duplicate_dropped = 0;

  bool operator==(const TopicExpectation&) const = default;
};

class ExpectedStats {
 public:
  void add(const LedgerEntry& entry);

  // Adds every line of the ledger at `path` ("-": standard input). Throws LedgerFormatError for
  // a malformed line and std::runtime_error when the file cannot be read.
  void add_ledger_file(const std::string& path);

  std::int64_t received() const;
  std::int64_t unique_processed() const;
  std::int64_t duplicate_dropped() const { return received() - unique_processed(); }
  std::int64_t dead_lettered() const { return dead_lettered_; }
  const std::map<std::string, TopicExpectation>& topics() const { return topics_; }

  // The JSON of GET /stats, keys in this order, topics sorted by name:
  //   {"received":R,"unique_processed":U,"duplicate_dropped":D,
  //    "topics":{"<topic>":{"received":R,"unique_processed":U,"duplicate_dropped":D}},
  //    "dead_lettered":X}
  // `indent` < 0 gives one line; otherwise pretty-printed with that many spaces.
  std::string to_json(int indent = -1) const;

 private:
  std::map<std::string, TopicExpectation> topics_;
  std::map<std::string, std::unordered_set<std::string>> event_ids_;
  std::int64_t dead_lettered_ = 0;
};

}  // namespace eventsink
