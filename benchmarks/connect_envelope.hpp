// The benchmark's events as Kafka Connect's JsonConverter expects them, for the peer.
//
// Debezium's JDBC sink needs records with a schema (it maps schema types to column types), and
// Kafka Connect without a schema registry carries the schema in each record: the JsonConverter
// envelope {"schema": {...}, "payload": {...}}. Our events are plain JSON, so the peer reads a
// copy of the benchmark topic in that form: the same events, keys and partitions, each value
// wrapped. The row is the same as ours: the fields are named after the sink's columns
// (timestamp -> event_time), the payload travels as a string typed io.debezium.data.Json (stored
// as jsonb) and the time as io.debezium.time.ZonedTimestamp (timestamptz); the Kafka coordinates
// are added by Connect's InsertField transform on the way in.
//
// Thread-safety: the functions are reentrant.
#pragma once

#include <cstdint>
#include <string>

#include "common/event.hpp"
#include "common/kafka_config.hpp"

namespace eventsink::bench {

// The JsonConverter envelope (schemas.enable=true) of `event`.
std::string connect_envelope(const Event& event);

struct EnvelopeCopyResult {
  std::uint64_t records = 0;  // read from the source topic
  std::uint64_t written = 0;  // valid events, enveloped and acknowledged
  std::uint64_t skipped = 0;  // not valid events (the peer could not store them anyway)
};

// Creates topic `to` with the partitions of `from` and writes every valid event of `from` to it
// enveloped, with the same key and partition. Throws when a record is not acknowledged.
EnvelopeCopyResult copy_as_connect_envelopes(const kafka::Properties& connection,
                                             const std::string& from, const std::string& to);

}  // namespace eventsink::bench
