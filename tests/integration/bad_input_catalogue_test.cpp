// The bad-input catalogue, end to end: every kind of bad record a producer can send, as raw
// bytes through Kafka and as bodies of POST /publish, against the real consumer binary, broker
// and database.
//
// One table (catalogue()) is the single source of truth: for each kind, the bytes, the dead
// letter the sink must write for them (reason code and precise reason) and the 400 answer
// POST /publish must give for the same bytes. The parser's own unit tests
// (tests/unit/event_parser_test.cpp) cover many more variants of each rule; this catalogue
// proves that every way in reaches those rules, that nothing about a bad record is lost on the
// way (coordinates, key and value bytes), and that no bad record crashes a worker, stalls its
// partition or disturbs the valid events around it.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <signal.h>

#include "common/event.hpp"
#include "common/kafka_producer.hpp"
#include "common/timestamp.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/sink_test.hpp"

namespace eventsink::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// The catalogue.

// The key a bad record is produced with: bad records are stored with their key, so some carry
// none and some carry bytes that are not text.
enum class RecordKey { kNamed, kAbsent, kBinary };

// One entry of the "errors" array of a 400 answer from POST /publish.
struct PublishError {
  std::optional<int> index;  // nullopt: JSON null, the body as a whole could not be split
  std::string field;
  std::string code;
  std::string reason;  // a fragment the reason must contain
};

struct BadRecord {
  std::string kind;
  std::optional<std::string> value;  // nullopt: a Kafka record with a null value (a tombstone)
  RecordKey key = RecordKey::kNamed;
  // The dead letter: reason_code `code`, reason "<field>: <detail...>" ("<detail...>" when the
  // record as a whole is at fault).
  std::string code;
  std::string field;
  std::string detail;
  // POST /publish of the same bytes: as the whole body, and as events[1] of an envelope between
  // two valid events. nullopt: there is no such request (a null value has no HTTP form).
  std::optional<PublishError> as_body;
  std::optional<PublishError> in_envelope;

  BadRecord& body(std::optional<PublishError> error) {
    as_body = std::move(error);
    return *this;
  }
  BadRecord& envelope(std::optional<PublishError> error) {
    in_envelope = std::move(error);
    return *this;
  }
  BadRecord& with_key(RecordKey record_key) {
    key = record_key;
    return *this;
  }
};

// A bad record the parser rejects; POST /publish refuses the same bytes with the same field, code
// and reason, at index 0 alone and at index 1 in an envelope.
BadRecord rejected(std::string kind, std::string value, RejectionCode code, std::string field,
                   std::string detail) {
  BadRecord bad;
  bad.kind = std::move(kind);
  bad.value = std::move(value);
  bad.code = to_string(code);
  bad.field = std::move(field);
  bad.detail = std::move(detail);
  bad.as_body = PublishError{0, bad.field, bad.code, bad.detail};
  bad.in_envelope = PublishError{1, bad.field, bad.code, bad.detail};
  return bad;
}

// An answer about the body as a whole (index null): POST /publish could not split it into events.
PublishError whole_body(std::string code, std::string reason) {
  return PublishError{std::nullopt, "", std::move(code), std::move(reason)};
}

// A Kafka record without a value (a tombstone): the consumer's own null_value dead letter. The
// closest HTTP request is an empty body; an envelope has no such element.
BadRecord null_value(std::string kind, RecordKey key) {
  BadRecord bad;
  bad.kind = std::move(kind);
  bad.value = std::nullopt;
  bad.key = key;
  bad.code = "null_value";
  bad.detail = "the record has no value (null)";
  bad.as_body = whole_body("empty_body", "the body is empty");
  return bad;
}

// The fields of a record, each as its JSON text; nullopt leaves the field out.
struct Fields {
  std::optional<std::string> topic = R"("catalogue")";
  std::optional<std::string> event_id = R"("bad")";
  std::optional<std::string> timestamp = R"("2024-05-01T12:00:00Z")";
  std::optional<std::string> source = R"("tests")";
  std::optional<std::string> payload = R"({"n":1})";
  std::string extra = "";  // more members, each starting with ','
};

std::string record(const Fields& fields) {
  std::string out = "{";
  const auto add = [&](std::string_view name, const std::optional<std::string>& json) {
    if (json) {
      out += (out.size() > 1 ? ",\"" : "\"") + std::string(name) + "\":" + *json;
    }
  };
  add("topic", fields.topic);
  add("event_id", fields.event_id);
  add("timestamp", fields.timestamp);
  add("source", fields.source);
  add("payload", fields.payload);
  return out + fields.extra + "}";
}

std::string with_timestamp(std::string_view timestamp) {
  return record({.timestamp = "\"" + std::string(timestamp) + "\""});
}

// {"a":{"a":...{}}}: `depth` objects, the payload itself being depth 1.
std::string nested_objects(int depth) {
  std::string json = "{}";
  for (int i = 1; i < depth; ++i) {
    json = R"({"a":)" + json + "}";
  }
  return json;
}

// The parser's detail for a record with a raw NUL byte.
std::string nul_detail(const std::string& value) {
  return "invalid JSON: contains a NUL byte at offset " + std::to_string(value.find('\0'));
}

// simdjson's one text for every structural error (a missing or superfluous comma, brace, bracket
// or value, or text after the value): it names no position.
constexpr const char* kImproperStructure =
    "invalid JSON: The JSON document has an improper structure: missing or superfluous commas, "
    "braces, missing keys, etc.";

// POST /publish checks the structure around the events before splitting the body. An element
// that is not a complete JSON value breaks that structure, so the answer is about the body as a
// whole (index null), not about events[1].
PublishError broken_envelope() {
  return whole_body("invalid_json",
                    "the envelope is not valid JSON: a comma, bracket, brace, colon or value is "
                    "missing or superfluous");
}

// simdjson's first pass over the whole body (before anything is split, even for a single event
// starting with '{') refuses unclosed strings and raw control characters in strings: the answer
// is about the body as a whole, in simdjson's words.
PublishError unsplittable_body(std::string_view simdjson_text) {
  return whole_body("invalid_json", "the body is not valid JSON: " + std::string(simdjson_text));
}
constexpr std::string_view kUnclosedString = "A string is opened, but never closed.";
constexpr std::string_view kUnescapedCharacters =
    "Within strings, some characters must be escaped, we found unescaped characters";

std::vector<BadRecord> catalogue() {
  using C = RejectionCode;
  const auto valid = record({});
  std::vector<BadRecord> all;

  // --- The record as a whole: no bytes, no JSON, broken JSON.
  all.push_back(rejected("empty value (zero bytes)", "", C::kEmptyRecord, "", "record is empty")
                    .body(whole_body("empty_body", "the body is empty"))
                    .envelope(std::nullopt));
  all.push_back(null_value("null value, with a key (key only)", RecordKey::kNamed));
  all.push_back(null_value("null value, no key", RecordKey::kAbsent));
  all.push_back(rejected("only whitespace", " \t\r\n ", C::kEmptyRecord, "",
                         "record contains only whitespace")
                    .body(whole_body("empty_body", "the body is empty"))
                    .envelope(std::nullopt));
  all.push_back(rejected("not JSON", "order 17 shipped", C::kInvalidJson, "", kImproperStructure)
                    .envelope(broken_envelope()));
  all.push_back(rejected("truncated inside a string", valid.substr(0, 30), C::kInvalidJson, "",
                         "invalid JSON: a string is not closed (truncated record?)")
                    .body(unsplittable_body(kUnclosedString))
                    .envelope(unsplittable_body(kUnclosedString))
                    .with_key(RecordKey::kAbsent));
  all.push_back(rejected("truncated before the closing brace", valid.substr(0, valid.size() - 1),
                         C::kInvalidJson, "", kImproperStructure)
                    .envelope(broken_envelope()));
  all.push_back(rejected("trailing garbage after the object", valid + " trailing", C::kInvalidJson,
                         "", kImproperStructure)
                    .envelope(broken_envelope()));
  all.push_back(
      rejected("two concatenated objects", valid + valid, C::kInvalidJson, "", kImproperStructure)
          .envelope(broken_envelope()));
  all.push_back(
      rejected("trailing comma", record({.extra = ","}), C::kInvalidJson, "", kImproperStructure));
  all.push_back(
      rejected("single quotes", "{'topic':'catalogue'}", C::kInvalidJson, "", kImproperStructure)
          .envelope(broken_envelope()));
  all.push_back(rejected("comment after the object", valid + " // note", C::kInvalidJson, "",
                         kImproperStructure)
                    .envelope(broken_envelope()));
  all.push_back(rejected("NaN in the payload", record({.payload = R"({"n":NaN})"}), C::kInvalidJson,
                         "", kImproperStructure));
  all.push_back(rejected("number with a leading zero", record({.payload = R"({"n":017})"}),
                         C::kInvalidJson, "", "invalid JSON: malformed number"));
  all.push_back(rejected("UTF-8 byte order mark", "\xEF\xBB\xBF" + valid, C::kInvalidJson, "",
                         "invalid JSON: starts with a UTF-8 byte order mark")
                    .envelope(broken_envelope()));
  {
    const std::string value = record({.source = "\"te\0sts\""s});
    all.push_back(
        rejected("raw NUL byte inside a string", value, C::kInvalidJson, "", nul_detail(value))
            .body(unsplittable_body(kUnescapedCharacters))
            .envelope(unsplittable_body(kUnescapedCharacters))
            .with_key(RecordKey::kBinary));
  }
  {
    const std::string value = valid + "\0"s;
    all.push_back(
        rejected("raw NUL byte after the object", value, C::kInvalidJson, "", nul_detail(value))
            .envelope(broken_envelope()));
  }
  all.push_back(rejected("raw control character (tab) in a string",
                         record({.event_id = "\"b\tad\""}), C::kInvalidJson, "",
                         "invalid JSON: control character (U+0000..U+001F) not escaped in a string")
                    .body(unsplittable_body(kUnescapedCharacters))
                    .envelope(unsplittable_body(kUnescapedCharacters)));
  all.push_back(rejected("unknown escape \\x41", record({.source = R"("te\x41sts")"}),
                         C::kInvalidJson, "", "invalid JSON: bad escape in a string"));
  all.push_back(rejected("lone high surrogate escape \\ud800", record({.event_id = R"("\ud800")"}),
                         C::kInvalidJson, "", "unpaired UTF-16 surrogate"));
  all.push_back(rejected("lone low surrogate escape \\udc00 in the payload",
                         record({.payload = R"({"s":"\udc00"})"}), C::kInvalidJson, "",
                         "unpaired UTF-16 surrogate"));
  all.push_back(
      rejected("nested deeper than 1024 levels",
               record({.extra = R"(,"deep":)" + std::string(1100, '[') + std::string(1100, ']')}),
               C::kInvalidJson, "", "invalid JSON: nested deeper than 1024 levels"));
  {
    // One byte over the record limit, however valid it would otherwise be.
    const std::string head = record({.extra = R"(,"padding":")"});
    const std::string value = head.substr(0, head.size() - 1) +
                              std::string(1024 * 1024 + 1 - head.size() - 1, 'x') + "\"}";
    all.push_back(rejected("record over 1 MiB", value, C::kRecordTooLarge, "",
                           "record is 1048577 bytes, limit is 1048576"));
  }

  // --- Not UTF-8 (simdjson validates the whole record, so no field can be named).
  for (const auto& [kind, value] : std::vector<std::pair<std::string, std::string>>{
           {"invalid UTF-8 byte 0xFF in topic", record({.topic = "\"cata\xFFlogue\""})},
           {"overlong UTF-8 encoding of '/'", record({.event_id = "\"b\xC0\xAF\""})},
           {"UTF-8 encoded surrogate U+D800", record({.source = "\"\xED\xA0\x80\""})},
           {"UTF-8 beyond U+10FFFF", record({.payload = "{\"s\":\"\xF4\x90\x80\x80\"}"})},
           {"truncated UTF-8 sequence", record({.extra = ",\"note\":\"\xE2\x82\""})},
           {"invalid UTF-8 in a key", record({.extra = ",\"k\xFE\":1"})},
       }) {
    all.push_back(rejected(kind, value, C::kInvalidUtf8, "", "record is not valid UTF-8")
                      .body(whole_body("invalid_utf8", "the body is not valid UTF-8"))
                      .envelope(whole_body("invalid_utf8", "the body is not valid UTF-8")));
  }
  all.back().with_key(RecordKey::kBinary);

  // --- Valid JSON, but not an object.
  all.push_back(
      rejected("JSON array", R"(["catalogue"])", C::kNotAnObject, "",
               "record must be a JSON object, got array")
          // As a body, an array is a batch: its element is what is not an object.
          .body(PublishError{0, "", "not_an_object", "record must be a JSON object, got string"}));
  all.push_back(rejected("JSON string", R"("catalogue")", C::kNotAnObject, "",
                         "record must be a JSON object, got string"));
  all.push_back(rejected("JSON number", "42", C::kNotAnObject, "",
                         "record must be a JSON object, got number"));
  all.push_back(
      rejected("JSON null", "null", C::kNotAnObject, "", "record must be a JSON object, got null"));
  all.push_back(rejected("JSON true", "true", C::kNotAnObject, "",
                         "record must be a JSON object, got boolean"));

  // --- Duplicate keys.
  all.push_back(rejected("duplicate key topic", record({.extra = R"(,"topic":"other")"}),
                         C::kDuplicateKey, "topic", "key appears more than once in the record"));
  all.push_back(rejected("duplicate key written as \\u0074opic",
                         record({.extra = R"(,"\u0074opic":"other")"}), C::kDuplicateKey, "topic",
                         "key appears more than once in the record"));
  all.push_back(rejected("duplicate key in the payload", record({.payload = R"({"a":1,"a":2})"}),
                         C::kDuplicateKey, "payload",
                         R"(duplicate key "a" at the top level of the payload)"));

  // --- Missing fields.
  all.push_back(rejected("missing topic", record({.topic = std::nullopt}), C::kMissingField,
                         "topic", "is required"));
  all.push_back(rejected("missing event_id", record({.event_id = std::nullopt}), C::kMissingField,
                         "event_id", "is required"));
  all.push_back(rejected("missing timestamp", record({.timestamp = std::nullopt}), C::kMissingField,
                         "timestamp", "is required"));
  all.push_back(rejected("missing source", record({.source = std::nullopt}), C::kMissingField,
                         "source", "is required"));
  all.push_back(rejected("missing payload", record({.payload = std::nullopt}), C::kMissingField,
                         "payload", "is required"));
  all.push_back(rejected("empty object", "{}", C::kMissingField, "topic", "is required"));
  all.push_back(
      rejected("key in another case (Topic)",
               R"({"Topic":"catalogue","event_id":"bad","timestamp":"2024-05-01T12:00:00Z",)"
               R"("source":"tests","payload":{}})",
               C::kMissingField, "topic", "is required"));

  // --- Wrong types.
  all.push_back(rejected("topic null", record({.topic = "null"}), C::kWrongType, "topic",
                         "must be a string, got null"));
  all.push_back(rejected("event_id as a number", record({.event_id = "12345"}), C::kWrongType,
                         "event_id", "must be a string, got number"));
  all.push_back(rejected("event_id as a huge number",
                         record({.event_id = "123456789012345678901234567890"}), C::kWrongType,
                         "event_id", "must be a string, got number"));
  all.push_back(rejected("timestamp as epoch seconds (number)", record({.timestamp = "1714564800"}),
                         C::kWrongType, "timestamp", "must be a string, got number"));
  all.push_back(rejected("source as an object", record({.source = R"({"name":"tests"})"}),
                         C::kWrongType, "source", "must be a string, got object"));
  all.push_back(rejected("payload an array", record({.payload = "[1,2]"}), C::kWrongType, "payload",
                         "must be an object, got array"));
  all.push_back(rejected("payload a string of JSON", record({.payload = R"("{\"n\":1}")"}),
                         C::kWrongType, "payload", "must be an object, got string"));
  all.push_back(rejected("payload null", record({.payload = "null"}), C::kWrongType, "payload",
                         "must be an object, got null"));

  // --- Empty and overlong fields (lengths are UTF-8 bytes).
  for (const char* field : {"topic", "event_id", "timestamp", "source"}) {
    Fields fields;
    (field == "topic"s      ? fields.topic
     : field == "event_id"s ? fields.event_id
     : field == "source"s   ? fields.source
                            : fields.timestamp) = R"("")";
    all.push_back(
        rejected("empty "s + field, record(fields), C::kEmptyField, field, "must not be empty"));
  }
  all.push_back(rejected("topic of 257 bytes", record({.topic = '"' + std::string(257, 't') + '"'}),
                         C::kFieldTooLong, "topic", "value is 257 bytes, limit is 256"));
  {
    std::string accents;  // 129 characters, 258 bytes
    for (int i = 0; i < 129; ++i) {
      accents += "\xC3\xA9";
    }
    all.push_back(rejected("event_id of 129 two-byte characters",
                           record({.event_id = '"' + accents + '"'}), C::kFieldTooLong, "event_id",
                           "value is 258 bytes, limit is 256"));
  }
  all.push_back(rejected("source of 300 bytes",
                         record({.source = '"' + std::string(300, 's') + '"'}), C::kFieldTooLong,
                         "source", "value is 300 bytes, limit is 256"));

  // --- Characters PostgreSQL cannot store, or that make identifiers ambiguous.
  all.push_back(rejected("\\u0000 in topic", record({.topic = R"("cat\u0000alogue")"}),
                         C::kInvalidCharacter, "topic",
                         "contains control character U+0000 at byte offset 3 (PostgreSQL text "
                         "cannot store U+0000)"));
  all.push_back(rejected("escaped newline in event_id", record({.event_id = R"("b\nad")"}),
                         C::kInvalidCharacter, "event_id",
                         "contains control character U+000A at byte offset 1"));
  all.push_back(rejected("DEL (0x7F) in source", record({.source = "\"te\x7Fsts\""}),
                         C::kInvalidCharacter, "source",
                         "contains control character U+007F at byte offset 2"));
  all.push_back(rejected("\\u0000 in a payload string",
                         record({.payload = R"({"note":"a\u0000"})"}), C::kInvalidCharacter,
                         "payload",
                         R"(U+0000 in a string (PostgreSQL jsonb cannot store it) at "/note")"));
  all.push_back(rejected("\\u0000 in a payload key", record({.payload = R"({"k\u0000":1})"}),
                         C::kInvalidCharacter, "payload",
                         "U+0000 in a key (PostgreSQL jsonb cannot store it)"));

  // --- Timestamps.
  for (const auto& [kind, timestamp, detail] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"timestamp not a date", "yesterday",
            R"(expected ISO-8601 like 2024-05-01T12:00:00Z, got "yesterday" (too short))"},
           {"timestamp date without time", "2024-05-01", "(too short)"},
           {"timestamp time without date", "12:00:00.000000Z", "(too short)"},
           {"timestamp epoch seconds as a string", "1714564800", "(too short)"},
           {"timestamp with slashes", "2024/05/01T12:00:00Z", "date must be YYYY-MM-DD"},
           {"timestamp month 13", "2024-13-01T00:00:00Z", "month 13 out of range (01..12)"},
           {"timestamp 30 February", "2024-02-30T00:00:00Z", "no such date 2024-02-30"},
           {"timestamp 29 February of 2023", "2023-02-29T00:00:00Z", "no such date 2023-02-29"},
           {"timestamp hour 24", "2024-05-01T24:00:00Z", "hour 24 out of range (00..23)"},
           {"timestamp leap second", "2016-12-31T23:59:60Z",
            "leap second 60 is not supported (seconds must be 00..59)"},
           {"timestamp year 0000", "0000-01-01T00:00:00Z", "year 0000 out of range (0001..9999)"},
           {"timestamp before year 1 in UTC", "0001-01-01T00:30:00+01:00",
            "out of range once converted to UTC (years 0001..9999)"},
           {"timestamp after year 9999 in UTC", "9999-12-31T23:30:00-01:00",
            "out of range once converted to UTC (years 0001..9999)"},
           {"timestamp zone offset +24:00", "2024-05-01T12:00:00+24:00",
            "zone offset hour 24 out of range (00..23)"},
           {"timestamp with 10 fraction digits", "2024-05-01T12:00:00.0123456789Z",
            "fraction has more than 9 digits"},
           {"timestamp with a trailing space", "2024-05-01T12:00:00Z ",
            "unexpected characters after the zone designator"},
       }) {
    all.push_back(
        rejected(kind, with_timestamp(timestamp), C::kInvalidTimestamp, "timestamp", detail));
  }

  // --- Payload limits: depth 32, 64 KiB, and numbers PostgreSQL's numeric cannot hold.
  all.push_back(rejected("payload nested 33 deep", record({.payload = nested_objects(33)}),
                         C::kPayloadTooDeep, "payload",
                         R"(nesting depth exceeds 32 at "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/)"));
  {
    const std::string payload = R"({"blob":")" + std::string(64 * 1024, 'b') + "\"}";
    all.push_back(rejected(
        "payload over 64 KiB", record({.payload = payload}), C::kPayloadTooLarge, "payload",
        "minified payload is " + std::to_string(payload.size()) + " bytes, limit is 65536"));
  }
  all.push_back(rejected("payload number 1e131072", record({.payload = R"({"n":[1e131072]})"}),
                         C::kInvalidJson, "payload",
                         R"(number "1e131072" cannot be stored by PostgreSQL (its numeric type, )"
                         R"(which jsonb uses): it has more than 131072 digits before the )"
                         R"(decimal point at "/n/0")"));
  all.push_back(rejected("payload number 1e-16384", record({.payload = R"({"n":1e-16384})"}),
                         C::kInvalidJson, "payload",
                         "it has more than 16383 digits after the decimal point"));
  all.push_back(rejected("payload number 0e1073741823",
                         record({.payload = R"({"n":0e1073741823})"}), C::kInvalidJson, "payload",
                         "its exponent is out of range"));
  return all;
}

// Valid events at the very edges of the rules. They are the valid neighbours of the bad records
// (through Kafka and POST /publish alike): each must be stored, by PostgreSQL too, where a row
// it refused would become a database_rejected dead letter instead.
struct EdgeEvent {
  std::string kind;
  std::string topic;
  std::string event_id;
  std::string value;
};

std::vector<EdgeEvent> edge_events() {
  std::vector<EdgeEvent> edges;
  const auto add = [&](std::string kind, Fields fields, std::string topic = "catalogue.edge",
                       std::string event_id = "") {
    EdgeEvent edge{std::move(kind), std::move(topic),
                   event_id.empty() ? "edge-" + std::to_string(edges.size()) : event_id, ""};
    fields.topic = '"' + edge.topic + '"';
    fields.event_id = '"' + edge.event_id + '"';
    edge.value = record(fields);
    edges.push_back(std::move(edge));
  };
  add("topic of exactly 256 bytes", {}, std::string(256, 't'));
  {
    std::string accents;  // 128 characters, 256 bytes
    for (int i = 0; i < 128; ++i) {
      accents += "\xC3\xA9";
    }
    add("event_id of exactly 256 bytes", {}, "catalogue.edge", accents);
  }
  add("source of exactly 256 bytes", {.source = '"' + std::string(256, 's') + '"'});
  add("payload nested exactly 32 deep", {.payload = nested_objects(32)});
  add("payload of exactly 64 KiB",
      {.payload = R"({"blob":")" + std::string(64 * 1024 - 11, 'b') + "\"}"});
  add("payload numbers at PostgreSQL's limits",
      {.payload = R"({"a":1e131071,"b":-1e-16383,"c":0e1073741822,"d":0.)" +
                  std::string(16383, '0') + R"(,"e":123456789012345678901234567890.5})"});
  add("control characters other than U+0000 in the payload",
      {.payload = R"({"s":"\u0001\u001f\t\u007f"})"});
  add("timestamp 0001-01-01T00:00:00Z", {.timestamp = R"("0001-01-01T00:00:00Z")"});
  add("timestamp 9999-12-31T23:59:59.999999999Z",
      {.timestamp = R"("9999-12-31T23:59:59.999999999Z")"});
  add("timestamp 29 February 2024, no zone, lower-case t",
      {.timestamp = R"("2024-02-29t12:00:00")"});
  add("unknown fields, even with \\u0000 and huge numbers",
      {.extra = R"(,"note":"\u0000","n":1e999999999999,"Topic":7)"});
  {
    // Exactly the record limit: the padding is an unknown field.
    add("record of exactly 1 MiB", {.extra = R"(,"padding":"")"});
    std::string& value = edges.back().value;
    value.insert(value.size() - 2, std::string(1024 * 1024 - value.size(), 'x'));
  }
  return edges;
}

// The reason a dead letter must carry for `bad`.
std::string reason_prefix(const BadRecord& bad) {
  return bad.field.empty() ? "" : bad.field + ": ";
}

bool contains(std::string_view text, std::string_view fragment) {
  return text.find(fragment) != std::string_view::npos;
}

std::string shortened(std::string_view text, std::size_t bytes = 90) {
  return detail::quote_for_message(text, bytes);
}

// The cheap check first, without a server: the table agrees with the parser every way in uses.
TEST(BadInputCatalogueTable, EveryKindIsDistinctAndTheParserAgreesWithTheTable) {
  const auto all = catalogue();
  EXPECT_GE(all.size(), 30u);
  std::set<std::string> kinds;
  std::set<std::string> codes;
  EventParser parser;
  for (const auto& bad : all) {
    SCOPED_TRACE(bad.kind);
    EXPECT_TRUE(kinds.insert(bad.kind).second) << "kind listed twice";
    codes.insert(bad.code);
    if (!bad.value) {
      continue;  // a null value never reaches the parser
    }
    const auto outcome = parser.parse(*bad.value);
    const auto* rejection = std::get_if<Rejection>(&outcome);
    ASSERT_NE(rejection, nullptr) << "accepted: " << shortened(*bad.value);
    EXPECT_EQ(to_string(rejection->code), bad.code) << rejection->describe();
    EXPECT_EQ(rejection->field, bad.field) << rejection->describe();
    EXPECT_TRUE(contains(rejection->detail, bad.detail)) << rejection->describe();
  }
  // Every rejection code, and the consumer's own null_value.
  EXPECT_EQ(codes.size(), static_cast<std::size_t>(RejectionCode::kPayloadTooDeep) + 2)
      << "the catalogue should show every reason code";

  // The edge cases are valid, and as large as their names say.
  for (const auto& edge : edge_events()) {
    SCOPED_TRACE(edge.kind);
    const auto outcome = parser.parse(edge.value);
    const auto* event = std::get_if<Event>(&outcome);
    ASSERT_NE(event, nullptr) << std::get<Rejection>(outcome).describe();
    EXPECT_EQ(event->topic, edge.topic);
    EXPECT_EQ(event->event_id, edge.event_id);
    if (edge.kind == "payload of exactly 64 KiB") {
      EXPECT_EQ(event->payload_json.size(), 64u * 1024u);
    }
    if (edge.kind == "record of exactly 1 MiB") {
      EXPECT_EQ(edge.value.size(), 1024u * 1024u);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka: raw records, the real consumer process.

std::optional<std::string> key_bytes(const BadRecord& bad, std::size_t index) {
  switch (bad.key) {
    case RecordKey::kNamed:
      return "bad/" + std::to_string(index);
    case RecordKey::kAbsent:
      return std::nullopt;
    case RecordKey::kBinary:
      return "\x00\xFFkey\x80"s + std::to_string(index);
  }
  return std::nullopt;
}

struct Coordinates {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  auto operator<=>(const Coordinates&) const = default;
};

// Produces records of any bytes, with a null key or value where asked (TestProducer always sends
// both), to explicit partitions, and learns each record's offset from the acknowledgements.
class RawRecordProducer {
 public:
  RawRecordProducer(const std::string& brokers, std::string topic) : topic_(std::move(topic)) {
    // The over-1-MiB record must leave this client; it compresses to a few KiB, well under the
    // broker's limit on a (compressed) batch.
    producer_ = std::make_unique<kafka::Producer>(
        kafka::producer_properties(brokers, {{"message.max.bytes", "4194304"}}),
        [this](const kafka::DeliveryReport& report) {
          std::lock_guard lock(mutex_);
          auto& at = coordinates_.at(reinterpret_cast<std::uintptr_t>(report.opaque));
          at = report.delivered() ? Coordinates{report.partition, report.offset} : Coordinates{};
          if (!report.delivered()) {
            failures_.push_back(kafka::error_text(report.error));
          }
          ++reported_;
        });
  }

  // Returns the record's number, for coordinates().
  std::size_t produce(std::int32_t partition, const std::optional<std::string>& key,
                      const std::optional<std::string>& value) {
    std::size_t number = 0;
    {
      std::lock_guard lock(mutex_);
      number = coordinates_.size();
      coordinates_.emplace_back();
    }
    // A default string_view has no data: librdkafka sends that as null.
    producer_->produce(topic_, key ? std::string_view(*key) : std::string_view(),
                       value ? std::string_view(*value) : std::string_view(),
                       reinterpret_cast<void*>(static_cast<std::uintptr_t>(number)), partition);
    return number;
  }

  void wait_delivered() {
    ASSERT_TRUE(producer_->flush(60s)) << "Kafka did not acknowledge in 60 s";
    ASSERT_TRUE(eventually(
        [&] {
          std::lock_guard lock(mutex_);
          return reported_ == coordinates_.size();
        },
        10s));
    std::lock_guard lock(mutex_);
    ASSERT_TRUE(failures_.empty()) << failures_.size() << " records refused: " << failures_[0];
  }

  Coordinates coordinates(std::size_t number) const {
    std::lock_guard lock(mutex_);
    return coordinates_.at(number);
  }

  // The partition's end offset (high watermark), as the broker says.
  std::int64_t end_offset(std::int32_t partition) const {
    std::int64_t low = 0;
    std::int64_t high = -1;
    const auto error = rd_kafka_query_watermark_offsets(producer_->native(), topic_.c_str(),
                                                        partition, &low, &high, 10000);
    EXPECT_EQ(error, RD_KAFKA_RESP_ERR_NO_ERROR) << kafka::error_text(error);
    return high;
  }

 private:
  std::string topic_;
  mutable std::mutex mutex_;
  std::vector<Coordinates> coordinates_;  // by record number; guarded by mutex_
  std::size_t reported_ = 0;              // guarded by mutex_
  std::vector<std::string> failures_;     // guarded by mutex_
  std::unique_ptr<kafka::Producer> producer_;
};

std::string to_hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (const char c : bytes) {
    out += kHex[static_cast<unsigned char>(c) >> 4];
    out += kHex[static_cast<unsigned char>(c) & 0xf];
  }
  return out;
}

// A bytea column read as hex (encode(column, 'hex')), or nullopt for SQL NULL.
std::optional<std::string> hex_column(const pqxx::field& field) {
  return field.is_null() ? std::nullopt : std::optional<std::string>(field.as<std::string>());
}

std::optional<std::string> hex_of(const std::optional<std::string>& bytes) {
  return bytes ? std::optional<std::string>(to_hex(*bytes)) : std::nullopt;
}

std::string describe_bytes(const std::optional<std::string>& hex) {
  if (!hex) {
    return "NULL";
  }
  return std::to_string(hex->size() / 2) + " bytes, hex " + hex->substr(0, 80) +
         (hex->size() > 80 ? "..." : "");
}

struct DeadLetterRow {
  std::string code;
  std::string reason;
  std::optional<std::string> key_hex;
  std::optional<std::string> value_hex;
};

class BadInputCatalogue : public StackTest {
 protected:
  std::filesystem::path log_path(const std::string& name) const {
    return std::filesystem::temp_directory_path() / (topic() + "-" + name + ".log");
  }

  // The consumer process's log, for failure messages.
  std::string log_tail(const std::string& name) const {
    std::ifstream file(log_path(name));
    std::stringstream text;
    text << file.rdbuf();
    const std::string all = text.str();
    return "consumer log (" + log_path(name).string() + "), last lines:\n" +
           all.substr(all.size() > 3000 ? all.size() - 3000 : 0);
  }

  // Stops the consumer with SIGTERM (a clean shutdown) and expects exit status 0.
  void expect_clean_stop(ConsumerProcess& consumer, const std::string& name) {
    consumer.kill(SIGTERM);
    if (!eventually([&] { return !consumer.running(); }, 30s)) {
      ADD_FAILURE() << "the consumer did not stop within 30 s of SIGTERM\n" << log_tail(name);
      consumer.kill(SIGKILL);
    }
    EXPECT_EQ(consumer.wait(), 0) << "SIGTERM is a clean shutdown\n" << log_tail(name);
  }

  std::map<std::int32_t, std::int64_t> stored_next_offsets() const {
    std::map<std::int32_t, std::int64_t> offsets;
    auto connection = connect();
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT kafka_partition, next_offset FROM partition_offsets WHERE kafka_topic = " +
                 tx.quote(topic()) + " AND next_offset IS NOT NULL")) {
      offsets[row[0].as<std::int32_t>()] = row[1].as<std::int64_t>();
    }
    return offsets;
  }

  std::map<Coordinates, DeadLetterRow> dead_letters() const {
    std::map<Coordinates, DeadLetterRow> letters;
    auto connection = connect();
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT kafka_partition, kafka_offset, reason_code, reason, encode(record_key, "
                 "'hex'), encode(record_value, 'hex') FROM dead_letters WHERE kafka_topic = " +
                 tx.quote(topic()))) {
      const Coordinates at{row[0].as<std::int32_t>(), row[1].as<std::int64_t>()};
      EXPECT_TRUE(letters
                      .emplace(at, DeadLetterRow{row[2].as<std::string>(), row[3].as<std::string>(),
                                                 hex_column(row[4]), hex_column(row[5])})
                      .second);
    }
    return letters;
  }

  std::map<Coordinates, std::string> stored_event_ids() const {
    std::map<Coordinates, std::string> ids;
    auto connection = connect();
    pqxx::read_transaction tx(connection);
    for (const auto& row :
         tx.exec("SELECT kafka_partition, kafka_offset, event_id FROM events WHERE kafka_topic = " +
                 tx.quote(topic()))) {
      ids[{row[0].as<std::int32_t>(), row[1].as<std::int64_t>()}] = row[2].as<std::string>();
    }
    return ids;
  }
};

TEST_F(BadInputCatalogue, KafkaRecordsBecomeDeadLettersWithoutCrashingOrStallingAnything) {
  const auto all = catalogue();
  RawRecordProducer producer(endpoints().brokers, topic());
  const auto edges = edge_events();
  GroundTruth truth;
  std::vector<std::pair<std::size_t, std::string>> valid_records;  // record number, event_id
  std::vector<std::size_t> bad_records;                            // record number, by entry

  // Each partition gets valid, bad, valid, bad, ..., valid: a bad record must not hold up the
  // valid one behind it, and the entries are spread over every partition. The first valid
  // neighbours are the edge cases.
  auto produce_valid = [&](std::int32_t partition) {
    const std::size_t n = valid_records.size();
    const Event event = make_event("catalogue.valid", "valid-" + std::to_string(n),
                                   R"({"n":)" + std::to_string(n) + "}");
    const bool edge = n < edges.size();
    const std::string& event_topic = edge ? edges[n].topic : event.topic;
    const std::string& event_id = edge ? edges[n].event_id : event.event_id;
    truth.valid(event_topic, event_id);
    valid_records.emplace_back(producer.produce(partition, event_topic + "/" + event_id,
                                                edge ? edges[n].value : to_json(event)),
                               event_id);
  };
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto partition = static_cast<std::int32_t>(i % kPartitions);
    produce_valid(partition);
    bad_records.push_back(producer.produce(partition, key_bytes(all[i], i), all[i].value));
    truth.invalid();
  }
  for (std::int32_t partition = 0; partition < kPartitions; ++partition) {
    produce_valid(partition);
  }
  producer.wait_delivered();
  ASSERT_FALSE(HasFatalFailure());
  std::map<std::int32_t, std::int64_t> end_offsets;
  for (std::int32_t partition = 0; partition < kPartitions; ++partition) {
    end_offsets[partition] = producer.end_offset(partition);
  }

  ConsumerProcess consumer(
      consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), /*workers=*/2),
      log_path("consumer"));
  // Done when every partition's stored position is its end: nothing stalled, nothing left.
  std::map<std::int32_t, std::int64_t> stored;
  const bool reached_the_end = eventually(
      [&] {
        try {
          stored = stored_next_offsets();
        } catch (const std::exception&) {
          return false;  // the consumer has not created its tables yet
        }
        return stored == end_offsets || !consumer.running();
      },
      60s, 100ms);
  ASSERT_TRUE(consumer.running()) << "a bad record crashed the consumer\n" << log_tail("consumer");
  ASSERT_TRUE(reached_the_end) << "stored positions did not reach the end offsets within 60 s\n"
                               << log_tail("consumer");
  EXPECT_EQ(stored, end_offsets) << "every partition's stored next offset is its end offset";

  // Every entry: one dead letter, where it was produced, with its reason and its bytes.
  const auto letters = dead_letters();
  EXPECT_EQ(letters.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& bad = all[i];
    SCOPED_TRACE(bad.kind);
    const Coordinates at = producer.coordinates(bad_records[i]);
    const auto letter = letters.find(at);
    ASSERT_NE(letter, letters.end())
        << "no dead letter at partition " << at.partition << " offset " << at.offset;
    const DeadLetterRow& row = letter->second;
    EXPECT_EQ(row.code, bad.code) << row.reason;
    EXPECT_TRUE(row.reason.starts_with(reason_prefix(bad)) && contains(row.reason, bad.detail))
        << "reason " << shortened(row.reason, 300) << "\n  must contain "
        << shortened(reason_prefix(bad) + "..." + bad.detail, 300);
    const auto sent_value = hex_of(bad.value);
    EXPECT_TRUE(row.value_hex == sent_value) << "value: stored " << describe_bytes(row.value_hex)
                                             << ", sent " << describe_bytes(sent_value);
    const auto sent_key = hex_of(key_bytes(bad, i));
    EXPECT_TRUE(row.key_hex == sent_key)
        << "key: stored " << describe_bytes(row.key_hex) << ", sent " << describe_bytes(sent_key);
  }

  // Every valid event, once, from where it was produced; the statistics exact.
  std::map<Coordinates, std::string> expected_ids;
  for (const auto& [number, event_id] : valid_records) {
    expected_ids[producer.coordinates(number)] = event_id;
  }
  EXPECT_EQ(stored_event_ids(), expected_ids);
  expect_exact(truth, read_sink_state(database_url()));

  // Still running after all of it, and it stops cleanly.
  EXPECT_TRUE(consumer.running());
  expect_clean_stop(consumer, "consumer");

  std::cout << "\nBad-input catalogue through Kafka: " << all.size() << " kinds, "
            << valid_records.size() << " valid events around them (" << edges.size()
            << " of them at the edges of the rules)\n";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Coordinates at = producer.coordinates(bad_records[i]);
    const auto letter = letters.find(at);
    std::cout << "  " << std::left << std::setw(52) << all[i].kind << " p" << at.partition << "@"
              << std::setw(4) << at.offset << " -> "
              << (letter == letters.end()
                      ? "NO DEAD LETTER"
                      : letter->second.code + "  " + shortened(letter->second.reason, 70))
              << "\n";
  }
}

// ---------------------------------------------------------------------------------------------
// POST /publish of the consumer's HTTP API.

// The "errors" entry `error` expects, checked against an answer; "" when it matches.
std::string mismatch(const Json& answer, const PublishError& error) {
  if (!answer.is_object() || answer.value("status", "") != "rejected" ||
      !answer.contains("errors") || answer["errors"].size() != 1) {
    return "expected one error, got " + answer.dump();
  }
  const Json& got = answer["errors"][0];
  const Json index = error.index ? Json(*error.index) : Json(nullptr);
  if (got.value("index", Json()) != index || got.value("field", "") != error.field ||
      got.value("code", "") != error.code || !contains(got.value("reason", ""), error.reason)) {
    return "expected index " + index.dump() + ", field \"" + error.field + "\", code " +
           error.code + ", reason containing " + shortened(error.reason, 200) + "; got " +
           got.dump();
  }
  return "";
}

// How an answer looks in the printed table: "400 code@index".
std::string summary(const HttpReply& reply) {
  const Json answer = reply.json();
  std::string text = std::to_string(reply.status);
  if (answer.is_object() && answer.contains("errors") && !answer["errors"].empty()) {
    const Json& first = answer["errors"][0];
    text += " " + first.value("code", "?") + "@" + first.value("index", Json()).dump();
  }
  return text;
}

class BadInputCatalogueOverHttp : public BadInputCatalogue {
 protected:
  static constexpr std::size_t kMaxBodyBytes = 2 * 1024 * 1024;  // room for a 1 MiB + 1 event
  static constexpr std::size_t kMaxEvents = 10;

  void TearDown() override {
    if (consumer_) {
      expect_clean_stop(*consumer_, "http");
      consumer_.reset();
    }
    BadInputCatalogue::TearDown();
  }

  // The consumer binary with its HTTP API on a free port, a publish token, a body limit above the
  // event limit (so that an event over 1 MiB reaches the parser) and a small batch limit.
  void start_consumer() {
    const int port = free_port();
    auto arguments =
        consumer_arguments(endpoints().brokers, topic(), topic(), database_url(), /*workers=*/1);
    const auto http_port = std::find(arguments.begin(), arguments.end(), "--http-port");
    ASSERT_NE(http_port, arguments.end());
    *std::next(http_port) = std::to_string(port);
    arguments.insert(arguments.end(), {"--http-address", "127.0.0.1", "--publish-token", kToken,
                                       "--http-max-body-bytes", std::to_string(kMaxBodyBytes),
                                       "--publish-max-events", std::to_string(kMaxEvents)});
    consumer_ = std::make_unique<ConsumerProcess>(arguments, log_path("http"));
    client_ = std::make_unique<HttpClient>(port);
    ASSERT_TRUE(eventually([&] { return client_->get("/health").status == 200; }, 60s, 100ms))
        << "GET /health did not answer 200 within 60 s\n"
        << log_tail("http");
  }

  HttpReply publish(const std::string& body,
                    std::vector<std::string> headers = {"Content-Type: application/json"}) const {
    headers.push_back("Authorization: Bearer "s + kToken);
    return client_->post("/publish", body, headers);
  }

  // Publishes one valid event, which must be accepted, and records it in `truth`: the n-th edge
  // case while there are some left, else an ordinary event.
  void publish_valid(GroundTruth& truth) {
    const std::size_t n = valid_published_++;
    const Event event = make_event("catalogue.valid", "valid-" + std::to_string(n));
    const bool edge = n < edges_.size();
    const auto reply = publish(edge ? edges_[n].value : to_json(event));
    EXPECT_EQ(reply.status, 202) << (edge ? edges_[n].kind : event.event_id) << ": "
                                 << reply.body.substr(0, 500);
    if (reply.status == 202) {
      truth.valid(edge ? edges_[n].topic : event.topic, edge ? edges_[n].event_id : event.event_id);
    }
  }

  // Records ever written to the topic (the sum of the partitions' end offsets).
  std::int64_t records_in_topic() {
    if (!watermarks_) {
      watermarks_ = std::make_unique<RawRecordProducer>(endpoints().brokers, topic());
    }
    std::int64_t total = 0;
    for (std::int32_t partition = 0; partition < kPartitions; ++partition) {
      total += watermarks_->end_offset(partition);
    }
    return total;
  }

  // Waits until the sink has stored `truth` and checks it is exactly that: the valid events sent
  // between the refused requests, and not one dead letter.
  void expect_sink_holds_exactly(const GroundTruth& truth) {
    EXPECT_EQ(records_in_topic(), truth.received()) << "a refused request reached Kafka";
    ASSERT_TRUE(eventually([&] { return caught_up(truth, database_url()); }, 60s, 100ms))
        << log_tail("http");
    expect_exact(truth, read_sink_state(database_url()));
    const auto stats = client_->get("/stats").json();
    EXPECT_EQ(stats.value("received", Json()), truth.received()) << stats.dump();
    EXPECT_EQ(stats.value("dead_lettered", Json()), 0) << stats.dump();
  }

  static constexpr const char* kToken = "catalogue-token";
  const std::vector<EdgeEvent> edges_ = edge_events();
  std::size_t valid_published_ = 0;
  std::unique_ptr<ConsumerProcess> consumer_;
  std::unique_ptr<HttpClient> client_;
  std::unique_ptr<RawRecordProducer> watermarks_;
};

TEST_F(BadInputCatalogueOverHttp, PublishRefusesEveryKindWithItsReasonAndPublishesNothing) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  const auto all = catalogue();
  GroundTruth truth;
  std::vector<std::string> table;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& bad = all[i];
    SCOPED_TRACE(bad.kind);
    std::string row = bad.kind;
    row.resize(std::max<std::size_t>(row.size(), 52), ' ');
    if (bad.as_body) {
      const auto reply = publish(bad.value.value_or(""));
      EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 500);
      const std::string problem = mismatch(reply.json(), *bad.as_body);
      EXPECT_TRUE(problem.empty()) << "as the body: " << problem;
      row += "  body: " + summary(reply);
      row.resize(std::max<std::size_t>(row.size(), 52 + 32), ' ');
    }
    if (bad.in_envelope) {
      const auto reply =
          publish(R"({"events":[)" + to_json(make_event("catalogue.valid", "never-1")) + "," +
                  *bad.value + "," + to_json(make_event("catalogue.valid", "never-2")) + "]}");
      EXPECT_EQ(reply.status, 400) << reply.body.substr(0, 500);
      const std::string problem = mismatch(reply.json(), *bad.in_envelope);
      EXPECT_TRUE(problem.empty()) << "in an envelope: " << problem;
      row += "  envelope: " + summary(reply);
    }
    table.push_back(row);
    // A valid request right after: the refusals leave the endpoint working.
    publish_valid(truth);
  }
  expect_sink_holds_exactly(truth);

  std::cout << "\nBad-input catalogue through POST /publish (alone, and as events[1] of "
               "{\"events\":[...]}):\n";
  for (const auto& row : table) {
    std::cout << "  " << row << "\n";
  }
}

// What only an HTTP request can get wrong: the headers, the limits, the batch around the events.
TEST_F(BadInputCatalogueOverHttp, PublishRefusesBadRequestsWithTheRightStatus) {
  start_consumer();
  ASSERT_FALSE(HasFatalFailure());
  GroundTruth truth;
  const std::string event = to_json(make_event("catalogue.valid", "never"));
  const auto events = [](std::size_t count) {
    std::string list;
    for (std::size_t i = 0; i < count; ++i) {
      list += (i > 0 ? "," : "") + to_json(make_event("catalogue.valid", "n-" + std::to_string(i)));
    }
    return list;
  };
  const std::string json = "Content-Type: application/json";
  const std::string token = "Authorization: Bearer "s + kToken;
  const auto at_most = "a batch holds at most " + std::to_string(kMaxEvents) + " events";

  struct BadRequest {
    std::string kind;
    std::string body;
    std::vector<std::string> headers;
    long status;
    // 400: the one entry of "errors"; otherwise a fragment of the answer's JSON text.
    std::variant<PublishError, std::string> answer;
  };
  const std::vector<BadRequest> requests = {
      {"no Authorization header", event, {json}, 401, R"("status":"unauthorized")"},
      {"wrong bearer token",
       event,
       {json, "Authorization: Bearer wrong"},
       401,
       R"("status":"unauthorized")"},
      {"token under the Basic scheme",
       event,
       {json, "Authorization: Basic "s + kToken},
       401,
       R"("status":"unauthorized")"},
      {"Content-Type text/plain",
       event,
       {"Content-Type: text/plain", token},
       415,
       "Content-Type must be application/json"},
      {"no Content-Type",
       event,
       {"Content-Type:", token},
       415,
       "Content-Type must be application/json"},
      {"charset latin1",
       event,
       {"Content-Type: application/json; charset=latin1", token},
       415,
       "Content-Type must be application/json"},
      {"body over the byte limit",
       std::string(kMaxBodyBytes + 1, ' '),
       {json, token},
       413,
       "request body larger than " + std::to_string(kMaxBodyBytes) + " bytes"},
      {"array over the batch limit",
       "[" + events(kMaxEvents + 1) + "]",
       {json, token},
       413,
       at_most},
      {"envelope over the batch limit",
       R"({"events":[)" + events(kMaxEvents + 1) + "]}",
       {json, token},
       413,
       at_most},
      {"empty array",
       " [ ] ",
       {json, token},
       400,
       whole_body("empty_batch", "the batch holds no event")},
      {"empty envelope",
       R"({"events":[]})",
       {json, token},
       400,
       whole_body("empty_batch", "the batch holds no event")},
      {"events an object",
       R"({"events":{}})",
       {json, token},
       400,
       whole_body("invalid_envelope", R"("events" must be an array of events)")},
      {"events a string",
       R"({"events":"x"})",
       {json, token},
       400,
       whole_body("invalid_envelope", R"("events" must be an array of events)")},
      {"envelope with another key",
       R"({"events":[)" + event + R"(],"more":1})",
       {json, token},
       400,
       whole_body("invalid_envelope", "this one has 2 keys")},
      // An event may carry unknown fields, but not one named "events": it would be an envelope.
      {"event with a field named events",
       record({.extra = R"(,"events":[])"}),
       {json, token},
       400,
       whole_body("invalid_envelope", "this one has 6 keys")},
      {"array not closed",
       "[" + event,
       {json, token},
       400,
       whole_body("invalid_json", "the array is not valid JSON: it is not closed")},
      {"array with a missing element",
       "[" + event + ",," + event + "]",
       {json, token},
       400,
       whole_body("invalid_json", "the array is not valid JSON")},
      {"text after the array",
       "[" + event + "] x",
       {json, token},
       400,
       whole_body("invalid_json",
                  "the array is not valid JSON: it is not closed, or text "
                  "follows it")},
      // simdjson will not open an object whose document does not end with '}', so this body is
      // not seen as an envelope: it is parsed as one event, which is broken JSON.
      {"text after the envelope",
       R"({"events":[)" + event + "]} x",
       {json, token},
       400,
       PublishError{0, "", "invalid_json", kImproperStructure}},
      {"invalid UTF-8 between array elements",
       "[" + event + ",\xFF" + event + "]",
       {json, token},
       400,
       whole_body("invalid_utf8", "the body is not valid UTF-8")},
  };
  std::cout << "\nBad POST /publish requests:\n";
  for (const auto& request : requests) {
    SCOPED_TRACE(request.kind);
    const auto reply = client_->post("/publish", request.body, request.headers);
    EXPECT_EQ(reply.status, request.status) << reply.body.substr(0, 500);
    if (const auto* error = std::get_if<PublishError>(&request.answer)) {
      const std::string problem = mismatch(reply.json(), *error);
      EXPECT_TRUE(problem.empty()) << problem;
    } else {
      const auto& fragment = std::get<std::string>(request.answer);
      EXPECT_TRUE(contains(reply.body, fragment))
          << reply.body.substr(0, 500) << "\n  must contain " << fragment;
    }
    std::cout << "  " << std::left << std::setw(40) << request.kind << " -> " << summary(reply)
              << "\n";
    publish_valid(truth);
  }

  // One invalid event of each kind the parser reports per event, in one batch: every one is
  // named with its index and code, and nothing of the batch is published.
  std::string body;
  std::vector<std::pair<int, std::string>> expected;  // index, code
  std::set<std::string> codes;
  for (const auto& bad : catalogue()) {
    if (bad.in_envelope && bad.in_envelope->index && expected.size() < kMaxEvents &&
        bad.value->size() < 100'000 && codes.insert(bad.code).second) {
      body += (body.empty() ? "" : ",") + *bad.value;
      expected.emplace_back(static_cast<int>(expected.size()), bad.code);
    }
  }
  const auto reply = publish(R"({"events":[)" + body + "]}");
  ASSERT_EQ(reply.status, 400) << reply.body;
  Json errors = reply.json()["errors"];
  ASSERT_EQ(errors.size(), expected.size()) << reply.body;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(errors[i]["index"], expected[i].first) << errors[i].dump();
    EXPECT_EQ(errors[i]["code"], expected[i].second) << errors[i].dump();
  }

  expect_sink_holds_exactly(truth);
}

}  // namespace
}  // namespace eventsink::testing
