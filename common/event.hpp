// The event model shared by the producer, the consumer and the HTTP ingest API.
//
// An event is identified by (topic, event_id): a second event with the same pair is a duplicate,
// whatever its timestamp, source or payload. Every way into the system (Kafka records, POST
// /publish, replayed files) validates with the same EventParser, so a record the API accepts is a
// record the consumer stores, and a record the consumer dead-letters is one the API would refuse.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace eventsink {

using EventTime = std::chrono::sys_time<std::chrono::microseconds>;

// Bounds on what one event may be. They keep one event well inside one Kafka record and one
// PostgreSQL row, and bound the work a hostile record can make the parser do.
struct EventLimits {
  std::size_t max_record_bytes = 1024 * 1024;  // the whole serialized event
  std::size_t max_identifier_bytes = 256;      // topic and event_id, in UTF-8 bytes
  std::size_t max_source_bytes = 256;          // source, in UTF-8 bytes
  std::size_t max_payload_bytes = 64 * 1024;   // the payload object, minified
  std::size_t max_payload_depth = 32;          // nesting of objects/arrays inside payload
};

struct Event {
  std::string topic;
  std::string event_id;
  EventTime timestamp;
  std::string source;
  // The payload object exactly as the producer wrote it, minified: numbers (1e2,
  // 0.12345678901234567890, 123456789012345678901234567890) and string escapes are kept
  // verbatim, so jsonb stores every number exactly as sent. Valid input for PostgreSQL jsonb.
  std::string payload_json;
};

// Why a record is not an event. `code` is a small fixed vocabulary, safe as a metric label;
// `field` names the offending field ("" for the record as a whole); `detail` is for humans.
enum class RejectionCode {
  kEmptyRecord,
  kRecordTooLarge,
  kInvalidJson,
  kInvalidUtf8,
  kNotAnObject,
  kDuplicateKey,
  kMissingField,
  kWrongType,
  kEmptyField,
  kFieldTooLong,
  kInvalidCharacter,
  kInvalidTimestamp,
  kPayloadTooLarge,
  kPayloadTooDeep,
};

std::string_view to_string(RejectionCode code);

struct Rejection {
  RejectionCode code;
  std::string field;
  std::string detail;

  // "field: detail" or just "detail"; what dead letters and HTTP 400 answers carry.
  std::string describe() const;
};

using ParseOutcome = std::variant<Event, Rejection>;

// Parses and validates one serialized event.
//
// Thread-safety: an EventParser is not safe for concurrent use (it reuses its buffers between
// calls); give each thread its own. Distinct parsers are independent.
class EventParser {
 public:
  explicit EventParser(EventLimits limits = {});
  ~EventParser();
  EventParser(EventParser&&) noexcept;
  EventParser& operator=(EventParser&&) noexcept;

  // Never throws for bad input: every malformed record yields a Rejection.
  ParseOutcome parse(std::string_view record);

  // The same, into `event`, whose strings keep their capacity: a caller that parses into the same
  // Event again and again does not allocate once they are large enough. On a rejection `event`
  // is left as it was.
  std::optional<Rejection> parse_into(std::string_view record, Event& event);

  const EventLimits& limits() const { return limits_; }

 private:
  struct Impl;
  EventLimits limits_;
  std::unique_ptr<Impl> impl_;
};

// Canonical form of a time for logs, JSON and PostgreSQL: "2024-05-01T12:00:00.250000Z".
std::string format_timestamp(EventTime time);

// Serializes an event as the JSON object EventParser::parse accepts.
std::string to_json(const Event& event);

}  // namespace eventsink
