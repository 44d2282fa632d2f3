// to_json: the inverse of EventParser::parse.
//
//   {"topic":"...","event_id":"...","timestamp":"2024-05-01T12:00:00.250000Z","source":"...",
//    "payload":{...}}
//
// Compact (no whitespace), fields always in this order. Strings are escaped by nlohmann::json
// (RFC 8259: '"', '\\' and U+0000..U+001F escaped, everything else written as UTF-8). The
// timestamp is format_timestamp's text. payload_json is spliced in verbatim: it is expected to
// be what EventParser produced (a minified JSON object); an empty payload_json (a
// default-constructed Event) is written as {}.
//
// For every Event e that EventParser::parse returned, parse(to_json(e)) returns an Event equal
// to e, field by field and byte for byte (tests/unit/event_parser_test.cpp checks this).
//
// Never throws except std::bad_alloc: strings that are not valid UTF-8 (an Event built by hand;
// the parser never produces one) get U+FFFD in place of the bad bytes instead of an exception.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/event.hpp"

namespace eventsink {
namespace {

void append_json_string(std::string& out, const std::string& value) {
  out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string to_json(const Event& event) {
  std::string out;
  out.reserve(96 + event.topic.size() + event.event_id.size() + event.source.size() +
              event.payload_json.size());
  out += R"({"topic":)";
  append_json_string(out, event.topic);
  out += R"(,"event_id":)";
  append_json_string(out, event.event_id);
  out += R"(,"timestamp":")";
  out += format_timestamp(event.timestamp);
  out += R"(","source":)";
  append_json_string(out, event.source);
  out += R"(,"payload":)";
  out += event.payload_json.empty() ? std::string_view("{}") : std::string_view(event.payload_json);
  out += '}';
  return out;
}

}  // namespace eventsink
