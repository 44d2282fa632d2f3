// libFuzzer target: the body of POST /publish. split_publish_body (consumer/http/publish_body.cpp)
// cuts it into events, then EventParser validates each one, as PublishEndpoint::handle does
// before it talks to Kafka.
//
// Besides "no crash, no undefined behaviour, no leak", every body is split with the production
// limit (1000 events) and with a small one (3), and:
//   1. a refusal has a known kind with its documented code() and a clean, non-empty detail: the
//      endpoint answers it 400 (413 for too_many_events) with that message;
//   2. only a body of whitespace is empty_body, and a body that does not start with '[' or '{'
//      is one event, byte for byte;
//   3. a split yields 1..limit elements, each a non-empty piece of the body, in body order,
//      without overlaps;
//   4. a body that strict_json reads as valid JSON is split as publish_body.hpp says: an array,
//      or the "events" array of an envelope, into the exact text of its elements; other objects
//      and scalars as one event; empty_batch, too_many_events and invalid_envelope exactly when
//      they apply;
//   5. an array or object body that is not UTF-8 is refused;
//   6. the two limits agree: the same elements when there are at most 3, too_many_events
//      otherwise, and a refusal under the large limit is one under the small limit too;
//   7. when EventParser accepts every element (the endpoint would produce them and answer 202),
//      the body was strict JSON, and each event keeps the promises of event_checks.hpp, and the
//      record produced to Kafka (to_json) is read back by the consumer's parser as the same
//      event; a refused element's rejection is clean (event_checks.hpp).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/event.hpp"
#include "consumer/http/publish_body.hpp"
#include "fuzz/check.hpp"
#include "fuzz/event_checks.hpp"
#include "fuzz/strict_json.hpp"

namespace eventsink::fuzz {
namespace {

using Kind = PublishBodyError::Kind;
using Events = std::vector<std::string>;

constexpr std::size_t kProductionLimit = 1000;  // PublishOptions::max_events
constexpr std::size_t kSmallLimit = 3;

// Every kind, with the name publish_body.hpp gives it.
constexpr std::array<std::pair<Kind, std::string_view>, 6> kKindNames = {{
    {Kind::kEmptyBody, "empty_body"},
    {Kind::kEmptyBatch, "empty_batch"},
    {Kind::kInvalidJson, "invalid_json"},
    {Kind::kInvalidUtf8, "invalid_utf8"},
    {Kind::kInvalidEnvelope, "invalid_envelope"},
    {Kind::kTooManyEvents, "too_many_events"},
}};

std::string_view name_of(Kind kind) {
  const auto* known = std::find_if(kKindNames.begin(), kKindNames.end(),
                                   [&](const auto& entry) { return entry.first == kind; });
  return known == kKindNames.end() ? "an unknown kind" : known->second;
}

// What a split must give: the elements, or a refusal of this kind.
using ExpectedSplit = std::variant<Events, Kind>;

std::string describe(const PublishBody& result) {
  if (const auto* error = std::get_if<PublishBodyError>(&result)) {
    return "refused (" + std::string(error->code()) + "): " + error->detail;
  }
  std::string out = "split into";
  for (const auto& element : std::get<Events>(result)) {
    out += " [" + element + "]";
  }
  return out;
}

// `element` is `text`, maybe followed by whitespace: the raw text of a scalar element runs up to
// the next token.
bool is_text_of(std::string_view element, std::string_view text) {
  return element.starts_with(text) &&
         std::all_of(element.begin() + static_cast<std::ptrdiff_t>(text.size()), element.end(),
                     is_json_whitespace);
}

void check_refusal(const PublishBodyError& error) {
  FUZZ_CHECK(error.code() == name_of(error.kind), "code() of a refusal of " +
                                                      std::string(name_of(error.kind)) + " is " +
                                                      std::string(error.code()));
  FUZZ_CHECK(!error.detail.empty(), "a refusal without a message");
  FUZZ_CHECK(is_clean_text(error.detail), "unclean message: " + error.detail);
}

// Rules 1-3 for one split of `body` with `limit`.
void check_split(std::string_view body, const PublishBody& result, std::size_t limit) {
  const std::size_t start = body.find_first_not_of(" \t\r\n");
  if (const auto* error = std::get_if<PublishBodyError>(&result)) {
    check_refusal(*error);
    FUZZ_CHECK((error->kind == Kind::kEmptyBody) == (start == std::string_view::npos),
               describe(result));
    return;
  }
  const Events& events = std::get<Events>(result);
  FUZZ_CHECK(!events.empty() && events.size() <= limit, describe(result));
  if (body[start] != '[' && body[start] != '{') {
    FUZZ_CHECK(events.size() == 1 && events[0] == body, describe(result));
  }
  std::size_t from = 0;
  for (const auto& element : events) {
    FUZZ_CHECK(!element.empty(), describe(result));
    const std::size_t at = body.find(element, from);
    FUZZ_CHECK(at != std::string_view::npos,
               "elements are not pieces of the body in order: " + describe(result));
    from = at + element.size();
  }
}

// Rule 4: the split of a body that is valid JSON, worked out from strict_json's tree.
ExpectedSplit expected_split(std::string_view body, const JsonValue& root, std::size_t limit) {
  const JsonValue* batch = nullptr;
  if (root.kind == JsonValue::Kind::kArray) {
    batch = &root;
  } else if (root.kind == JsonValue::Kind::kObject &&
             std::any_of(root.members.begin(), root.members.end(),
                         [](const JsonMember& member) { return member.key == "events"; })) {
    if (root.members.size() != 1 || root.members[0].value.kind != JsonValue::Kind::kArray) {
      return Kind::kInvalidEnvelope;
    }
    batch = &root.members[0].value;
  } else {
    return Events{std::string(body)};
  }
  if (batch->elements.empty()) {
    return Kind::kEmptyBatch;
  }
  if (batch->elements.size() > limit) {
    return Kind::kTooManyEvents;
  }
  Events events;
  for (const auto& element : batch->elements) {
    events.emplace_back(element.source);
  }
  return events;
}

void check_valid_json_split(std::string_view body, const JsonValue& root, const PublishBody& result,
                            std::size_t limit) {
  const ExpectedSplit expected = expected_split(body, root, limit);
  if (const auto* kind = std::get_if<Kind>(&expected)) {
    const auto* error = std::get_if<PublishBodyError>(&result);
    FUZZ_CHECK(error != nullptr && error->kind == *kind,
               describe(result) + "\n  expected a refusal " + std::string(name_of(*kind)));
    return;
  }
  const Events& expected_events = std::get<Events>(expected);
  const auto* events = std::get_if<Events>(&result);
  FUZZ_CHECK(
      events != nullptr && events->size() == expected_events.size(),
      describe(result) + "\n  expected " + std::to_string(expected_events.size()) + " element(s)");
  for (std::size_t i = 0; i < events->size(); ++i) {
    FUZZ_CHECK(is_text_of((*events)[i], expected_events[i]),
               describe(result) + "\n  expected element " + std::to_string(i) + " [" +
                   expected_events[i] + "]");
  }
}

// Rule 6.
void check_limits_agree(const PublishBody& large, const PublishBody& small) {
  const auto* small_error = std::get_if<PublishBodyError>(&small);
  if (const auto* large_error = std::get_if<PublishBodyError>(&large)) {
    FUZZ_CHECK(small_error != nullptr && (small_error->kind == large_error->kind ||
                                          small_error->kind == Kind::kTooManyEvents),
               "limit 1000: " + describe(large) + "\n  limit 3: " + describe(small));
    return;
  }
  const Events& events = std::get<Events>(large);
  if (events.size() <= kSmallLimit) {
    FUZZ_CHECK(std::holds_alternative<Events>(small) && std::get<Events>(small) == events,
               "limit 1000: " + describe(large) + "\n  limit 3: " + describe(small));
  } else {
    FUZZ_CHECK(small_error != nullptr && small_error->kind == Kind::kTooManyEvents,
               "limit 1000: " + describe(large) + "\n  limit 3: " + describe(small));
  }
}

// Rule 5.
void check_not_utf8_is_refused(std::string_view body, const JsonReading& reading,
                               const PublishBody& result) {
  const std::size_t start = body.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && (body[start] == '[' || body[start] == '{') &&
      !reading.valid_utf8) {
    FUZZ_CHECK(std::holds_alternative<PublishBodyError>(result),
               "a body that is not UTF-8 was " + describe(result));
  }
}

// Rule 7: what the endpoint does with the elements.
void check_elements(EventParser& parser, const Events& events, const JsonReading& body_reading) {
  bool all_accepted = true;
  for (const auto& element : events) {
    const ParseOutcome outcome = parser.parse(element);
    if (const auto* event = std::get_if<Event>(&outcome)) {
      check_accepted_event(*event, parser.limits());
      check_round_trip(parser, *event);
    } else {
      check_rejection(std::get<Rejection>(outcome));
      all_accepted = false;
    }
  }
  // Too deep for strict_json (an element nested 1024 deep, inside the array) is valid JSON.
  FUZZ_CHECK(!all_accepted || body_reading.verdict != JsonReading::Verdict::kInvalid,
             "every element is a valid event, but the body is not valid JSON");
}

}  // namespace
}  // namespace eventsink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace eventsink;
  using namespace eventsink::fuzz;
  static EventParser parser;

  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const PublishBody large = split_publish_body(body, kProductionLimit);
  const PublishBody small = split_publish_body(body, kSmallLimit);
  check_split(body, large, kProductionLimit);
  check_split(body, small, kSmallLimit);
  check_limits_agree(large, small);

  const JsonReading reading = read_json(body);
  if (reading.verdict == JsonReading::Verdict::kValid) {
    check_valid_json_split(body, reading.root, large, kProductionLimit);
    check_valid_json_split(body, reading.root, small, kSmallLimit);
  }
  check_not_utf8_is_refused(body, reading, large);
  if (const auto* events = std::get_if<Events>(&large)) {
    check_elements(parser, *events, reading);
  }
  return 0;
}
