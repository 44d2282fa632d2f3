// The producer's two record sources: synthetic load and replayed JSON lines.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <unordered_set>

#include "common/event.hpp"
#include "producer/load_generator.hpp"
#include "producer/record_source.hpp"

namespace eventsink {

// Serializes the generator's events with to_json. `count` records, or endless when 0.
//
// A share `malformed_ratio` of the records are not events but bytes the sink must dead-letter
// (not JSON, truncated JSON, a missing field, an invalid timestamp, a payload that is not an
// object), sent without a key; which records they are follows from `seed`, so a run repeats.
class GeneratedRecords : public RecordSource {
 public:
  GeneratedRecords(LoadGenerator& generator, std::uint64_t count, double malformed_ratio = 0.0,
                   std::uint64_t seed = 0);

  std::optional<OutgoingRecord> next() override;
  std::optional<std::uint64_t> expected_total() const override;

 private:
  OutgoingRecord malformed_record();

  LoadGenerator& generator_;
  std::uint64_t count_;
  double malformed_ratio_;
  SplitMix64 random_;
  std::uint64_t records_ = 0;
};

// Reads JSON lines and sends each line's bytes unchanged (the consumer validates; the producer
// does not re-serialize). Every line is also parsed with EventParser, for its key and for the
// ledger: a valid event gets the key "<topic>/<event_id>"; an invalid line gets no key and is
// sent anyway, so that the sink dead-letters it, unless `skip_invalid` drops it here.
//
// Lines end with '\n'; the bytes before it are the record, a '\r' included (JSON allows it as
// trailing whitespace). A last line without '\n' is a record too. Empty lines are skipped, as
// kcat -l skips them, so both tools send the same records from the same file.
//
// Duplicates are recognised by remembering every identity read (memory grows with the number
// of distinct events).
class ReplayedLines : public RecordSource {
 public:
  ReplayedLines(std::istream& input, bool skip_invalid);

  std::optional<OutgoingRecord> next() override;
  std::optional<std::uint64_t> expected_total() const override { return std::nullopt; }
  std::string skipped_summary() const override;

  std::uint64_t lines_read() const { return lines_read_; }
  std::uint64_t empty_lines() const { return empty_lines_; }
  std::uint64_t invalid_lines() const { return invalid_lines_; }

 private:
  static constexpr std::uint64_t kInvalidLinesLogged = 10;

  std::istream& input_;
  bool skip_invalid_;
  EventParser parser_;
  std::unordered_set<std::string> seen_identities_;
  std::uint64_t lines_read_ = 0;
  std::uint64_t empty_lines_ = 0;
  std::uint64_t invalid_lines_ = 0;
};

}  // namespace eventsink
