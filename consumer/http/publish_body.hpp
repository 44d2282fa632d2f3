// Splitting the body of POST /publish into the serialized events it carries.
//
// A body is one of three shapes:
//   [ {event}, {event}, ... ]       a JSON array of events
//   { "events": [ {event}, ... ] }  an envelope: an object whose only key is "events"
//   {event}                         anything else: the whole body is one event
//
// Splitting only finds where each element starts and ends; it does not judge the elements. Each
// element's text is returned byte for byte as the client sent it, so EventParser::parse sees
// exactly what the consumer would see and reports the element's own problems (invalid JSON
// inside an element, not an object, ...) against its index. What splitting refuses is a body
// whose outer structure is broken, so that no index can be given: a malformed array or envelope,
// text after it, invalid UTF-8, an empty body or an empty batch.
//
// Any top-level object that has an "events" key is taken to be an envelope (events may carry
// unknown keys, but an event with a top-level "events" key could not be told from an envelope,
// so such a body is refused rather than guessed at).
//
// Thread-safety: split_publish_body is a pure function; call it from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace eventsink {

struct PublishBodyError {
  enum class Kind {
    kEmptyBody,        // no bytes, or only whitespace
    kEmptyBatch,       // [] or {"events":[]}: refused, a batch must hold an event
    kInvalidJson,      // the array or envelope around the events is malformed
    kInvalidUtf8,      // the body is not UTF-8 (checked for arrays and envelopes)
    kInvalidEnvelope,  // "events" is not an array, or the envelope has other keys
    kTooManyEvents,    // more than `max_events` elements
  };
  Kind kind;
  std::string detail;  // for humans; safe to put in a JSON answer

  // A short, fixed name of `kind` for answers and metrics ("invalid_json", ...).
  std::string_view code() const;
};

// The events of a body, in body order: element i of the batch is events[i].
using PublishBody = std::variant<std::vector<std::string>, PublishBodyError>;

// Splits `body` into at most `max_events` serialized events. Never throws for any input (only
// std::bad_alloc can escape). A single-event body is returned unchanged as the one element.
PublishBody split_publish_body(std::string_view body, std::size_t max_events);

}  // namespace eventsink
