#include "producer/record_sources.hpp"

#include <stdexcept>
#include <variant>

#include <spdlog/spdlog.h>

namespace eventsink {

GeneratedRecords::GeneratedRecords(LoadGenerator& generator, std::uint64_t count,
                                   double malformed_ratio, std::uint64_t seed)
    : generator_(generator),
      count_(count),
      malformed_ratio_(malformed_ratio),
      // Its own stream: the events are the same with or without malformed records among them.
      random_(SplitMix64::mix(seed ^ 0x6d616c666f726d65ULL)) {}

std::optional<OutgoingRecord> GeneratedRecords::next() {
  if (count_ != 0 && records_ >= count_) {
    return std::nullopt;
  }
  ++records_;
  if (malformed_ratio_ > 0.0 && random_.unit() < malformed_ratio_) {
    return malformed_record();
  }
  GeneratedEvent generated = generator_.next();
  Event& event = generated.event;
  OutgoingRecord record{.key = event_key(event.topic, event.event_id),
                        .value = to_json(event),
                        .topic = std::move(event.topic),
                        .event_id = std::move(event.event_id),
                        .duplicate = generated.duplicate};
  return record;
}

OutgoingRecord GeneratedRecords::malformed_record() {
  const std::string n = std::to_string(records_);
  const std::string valid_fields =
      R"("topic":"order.created","event_id":"malformed-)" + n + R"(","source":"generator")";
  std::string value;
  switch (random_.below(5)) {
    case 0:
      value = "not json, record " + n;
      break;
    case 1:
      value = "{" + valid_fields + R"(,"timestamp":"2026-01-01T00:00:00Z","payload":{"cut":)";
      break;
    case 2:
      value = R"({"topic":"order.created","source":"generator","timestamp":"2026-01-01T00:00:00Z",)"
              R"("payload":{}})";
      break;
    case 3:
      value = "{" + valid_fields + R"(,"timestamp":"2026-02-30T00:00:00Z","payload":{}})";
      break;
    default:
      value = "{" + valid_fields + R"(,"timestamp":"2026-01-01T00:00:00Z","payload":[1,2]})";
      break;
  }
  OutgoingRecord record;  // no key, no topic, no event_id: invalid()
  record.value = std::move(value);
  return record;
}

std::optional<std::uint64_t> GeneratedRecords::expected_total() const {
  if (count_ == 0) {
    return std::nullopt;
  }
  return count_;
}

ReplayedLines::ReplayedLines(std::istream& input, bool skip_invalid)
    : input_(input), skip_invalid_(skip_invalid) {}

std::optional<OutgoingRecord> ReplayedLines::next() {
  std::string line;
  while (std::getline(input_, line)) {
    ++lines_read_;
    if (line.empty()) {
      ++empty_lines_;
      continue;
    }
    ParseOutcome outcome = parser_.parse(line);
    if (auto* rejection = std::get_if<Rejection>(&outcome)) {
      ++invalid_lines_;
      if (invalid_lines_ <= kInvalidLinesLogged) {
        spdlog::warn("line {} is not a valid event ({}): {}{}", lines_read_,
                     to_string(rejection->code), rejection->describe(),
                     skip_invalid_ ? "; skipped" : "; sent anyway, the sink will dead-letter it");
      } else if (invalid_lines_ == kInvalidLinesLogged + 1) {
        spdlog::warn("more invalid lines follow; they are counted, not logged");
      }
      if (skip_invalid_) {
        continue;
      }
      return OutgoingRecord{
          .key = "", .value = std::move(line), .topic = "", .event_id = "", .duplicate = false};
    }
    auto& event = std::get<Event>(outcome);
    // A NUL cannot occur in a valid topic, so this identity is unambiguous (the key is not:
    // "a/b" + "c" and "a" + "b/c" share it).
    const bool duplicate = !seen_identities_.insert(event.topic + '\0' + event.event_id).second;
    return OutgoingRecord{.key = event_key(event.topic, event.event_id),
                          .value = std::move(line),
                          .topic = std::move(event.topic),
                          .event_id = std::move(event.event_id),
                          .duplicate = duplicate};
  }
  if (input_.bad()) {
    throw std::runtime_error("reading the input failed after line " + std::to_string(lines_read_));
  }
  return std::nullopt;
}

std::string ReplayedLines::skipped_summary() const {
  std::string summary = "lines=" + std::to_string(lines_read_);
  if (empty_lines_ > 0) {
    summary += " empty_lines_skipped=" + std::to_string(empty_lines_);
  }
  if (skip_invalid_) {
    summary += " invalid_skipped=" + std::to_string(invalid_lines_);
  }
  return summary;
}

}  // namespace eventsink
