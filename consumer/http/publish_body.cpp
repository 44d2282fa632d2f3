// simdjson's On-Demand API walks only the outer structure (the array, or the envelope's keys) and
// hands back each element's raw text (raw_json) without parsing it: the elements are parsed once,
// strictly, by EventParser. On-Demand checks the outer structure as it walks it (commas, brackets,
// the end of the document) and validates the UTF-8 of the whole body up front.
#include "consumer/http/publish_body.hpp"

#include <new>

#include <simdjson.h>

namespace eventsink {
namespace {

namespace ondemand = simdjson::ondemand;
using Kind = PublishBodyError::Kind;

PublishBody failure(Kind kind, std::string detail) {
  return PublishBodyError{.kind = kind, .detail = std::move(detail)};
}

PublishBody structure_error(simdjson::error_code error, std::string_view what) {
  switch (error) {
    case simdjson::UTF8_ERROR:
      return failure(Kind::kInvalidUtf8, "the body is not valid UTF-8");
    case simdjson::MEMALLOC:
      throw std::bad_alloc();
    // simdjson's own texts for these two are vague; say what they mean here.
    case simdjson::TAPE_ERROR:
      return failure(Kind::kInvalidJson,
                     std::string(what) +
                         " is not valid JSON: a comma, bracket, brace, colon or value is "
                         "missing or superfluous");
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return failure(
          Kind::kInvalidJson,
          std::string(what) + " is not valid JSON: it is not closed, or text follows it");
    default:
      return failure(Kind::kInvalidJson,
                     std::string(what) + " is not valid JSON: " + simdjson::error_message(error));
  }
}

// Nothing but whitespace may follow the outer value, which the caller has consumed entirely.
bool at_end_of_document(ondemand::document& document) {
  // current_location() fails with OUT_OF_BOUNDS exactly when no token is left.
  return document.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

// The raw text of one array element, whatever its type (EventParser rejects non-objects).
simdjson::error_code raw_text(ondemand::value& value, std::string_view& text) {
  ondemand::json_type type;
  if (const auto error = value.type().get(type)) {
    return error;
  }
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (const auto error = value.get_object().get(object)) {
        return error;
      }
      return object.raw_json().get(text);
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (const auto error = value.get_array().get(array)) {
        return error;
      }
      return array.raw_json().get(text);
    }
    default:
      text = value.raw_json_token();
      return simdjson::SUCCESS;
  }
}

// The elements of `array`. The caller checks what follows the array.
PublishBody split_array(ondemand::array& array, std::size_t max_events, std::string_view what) {
  std::vector<std::string> events;
  for (auto element : array) {
    ondemand::value value;
    if (const auto error = std::move(element).get(value)) {
      return structure_error(error, what);
    }
    if (events.size() == max_events) {
      return failure(Kind::kTooManyEvents, "a batch holds at most " + std::to_string(max_events) +
                                               " events; split it into several requests");
    }
    std::string_view text;
    if (const auto error = raw_text(value, text)) {
      return structure_error(error, what);
    }
    events.emplace_back(text);
  }
  if (events.empty()) {
    return failure(Kind::kEmptyBatch, "the batch holds no event");
  }
  return events;
}

enum class ObjectShape { kEvent, kEnvelope };

// Scans the top-level keys of an object body. A body whose keys cannot be scanned and has shown
// no "events" key is treated as one (broken) event, so EventParser explains what is wrong with it.
std::variant<ObjectShape, PublishBodyError> object_shape(ondemand::document& document) {
  ondemand::object object;
  if (document.get_object().get(object)) {
    return ObjectShape::kEvent;
  }
  bool has_events = false;
  std::size_t keys = 0;
  simdjson::error_code error = simdjson::SUCCESS;
  for (auto result : object) {
    ondemand::field field;
    std::string_view key;
    if ((error = std::move(result).get(field)) || (error = field.unescaped_key().get(key))) {
      break;
    }
    ++keys;
    has_events = has_events || key == "events";
  }
  if (!has_events) {
    return ObjectShape::kEvent;
  }
  if (error) {
    return std::get<PublishBodyError>(structure_error(error, "the envelope"));
  }
  if (!at_end_of_document(document)) {
    return PublishBodyError{.kind = Kind::kInvalidJson,
                            .detail = "unexpected text after the end of the envelope"};
  }
  if (keys != 1) {
    return PublishBodyError{.kind = Kind::kInvalidEnvelope,
                            .detail = R"(an envelope holds only the key "events", this one has )" +
                                      std::to_string(keys) + " keys"};
  }
  return ObjectShape::kEnvelope;
}

}  // namespace

std::string_view PublishBodyError::code() const {
  switch (kind) {
    case Kind::kEmptyBody:
      return "empty_body";
    case Kind::kEmptyBatch:
      return "empty_batch";
    case Kind::kInvalidJson:
      return "invalid_json";
    case Kind::kInvalidUtf8:
      return "invalid_utf8";
    case Kind::kInvalidEnvelope:
      return "invalid_envelope";
    case Kind::kTooManyEvents:
      return "too_many_events";
  }
  return "invalid_body";
}

PublishBody split_publish_body(std::string_view body, std::size_t max_events) {
  const auto start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    return failure(Kind::kEmptyBody, "the body is empty");
  }
  if (body[start] != '[' && body[start] != '{') {
    return std::vector<std::string>{std::string(body)};
  }

  const simdjson::padded_string padded(body);
  ondemand::parser parser;
  ondemand::document document;
  if (const auto error = parser.iterate(padded).get(document)) {
    return structure_error(error, "the body");
  }

  if (body[start] == '[') {
    ondemand::array array;
    if (const auto error = document.get_array().get(array)) {
      return structure_error(error, "the array");
    }
    auto events = split_array(array, max_events, "the array");
    if (std::holds_alternative<std::vector<std::string>>(events) && !at_end_of_document(document)) {
      return failure(Kind::kInvalidJson, "unexpected text after the end of the array");
    }
    return events;
  }

  const auto shape = object_shape(document);
  if (const auto* error = std::get_if<PublishBodyError>(&shape)) {
    return *error;
  }
  if (std::get<ObjectShape>(shape) == ObjectShape::kEvent) {
    return std::vector<std::string>{std::string(body)};
  }
  // object_shape() has checked the envelope's structure and its end, and that its one key is
  // "events". The array is the value of that one field: find_field("events") would compare the
  // key as written and miss "\u0065vents".
  document.rewind();
  ondemand::object envelope;
  ondemand::object_iterator first_field;
  ondemand::field field;
  if (const auto error = document.get_object().get(envelope)) {
    return structure_error(error, "the envelope");
  }
  if (const auto error = envelope.begin().get(first_field)) {
    return structure_error(error, "the envelope");
  }
  if (const auto error = (*first_field).get(field)) {
    return structure_error(error, "the envelope");
  }
  ondemand::array array;
  if (field.value().get_array().get(array)) {
    return failure(Kind::kInvalidEnvelope, R"("events" must be an array of events)");
  }
  return split_array(array, max_events, "the envelope");
}

}  // namespace eventsink
