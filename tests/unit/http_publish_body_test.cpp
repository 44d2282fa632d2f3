// Splitting POST /publish bodies: the three shapes, the raw text of each element, and every way
// the outer structure can be broken.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/event.hpp"
#include "consumer/http/publish_body.hpp"

namespace eventsink {
namespace {

using Kind = PublishBodyError::Kind;
using Events = std::vector<std::string>;

constexpr const char* kEvent =
    R"({"topic":"order.created","event_id":"o-1","timestamp":"2024-05-01T12:00:00Z",)"
    R"("source":"shop","payload":{"amount":12.5}})";

Events split(std::string_view body, std::size_t max_events = 1000) {
  auto result = split_publish_body(body, max_events);
  if (const auto* error = std::get_if<PublishBodyError>(&result)) {
    ADD_FAILURE() << "refused: " << error->code() << ": " << error->detail;
    return {};
  }
  return std::get<Events>(std::move(result));
}

PublishBodyError refusal(std::string_view body, std::size_t max_events = 1000) {
  auto result = split_publish_body(body, max_events);
  if (const auto* events = std::get_if<Events>(&result)) {
    ADD_FAILURE() << "accepted " << events->size() << " element(s) of: " << body;
    return {};
  }
  return std::get<PublishBodyError>(std::move(result));
}

TEST(HttpPublishBody, ASingleEventIsTheWholeBody) {
  EXPECT_EQ(split(kEvent), Events{kEvent});
  const std::string padded = std::string("\n  ") + kEvent + "  \n";
  EXPECT_EQ(split(padded), Events{padded});
}

TEST(HttpPublishBody, AnArrayYieldsEachElementsRawText) {
  const std::string second = R"({ "topic" : "a", "event_id":"\u0031", "payload": {"n": 1.50} })";
  const auto events = split(std::string("[") + kEvent + " , " + second + "]");
  ASSERT_EQ(events.size(), 2u);
  // Raw text, not a re-serialization: escapes, spacing and number spelling are the client's.
  EXPECT_EQ(events[0].substr(0, std::string(kEvent).size()), kEvent);
  EXPECT_EQ(events[1].substr(0, second.size()), second);
}

TEST(HttpPublishBody, EveryElementParsesAsTheSameEvent) {
  const auto events = split(std::string("[") + kEvent + "," + kEvent + "]");
  ASSERT_EQ(events.size(), 2u);
  EventParser parser;
  for (const auto& text : events) {
    const auto outcome = parser.parse(text);
    ASSERT_TRUE(std::holds_alternative<Event>(outcome)) << std::get<Rejection>(outcome).describe();
    EXPECT_EQ(std::get<Event>(outcome).event_id, "o-1");
  }
}

TEST(HttpPublishBody, AnEnvelopeYieldsTheElementsOfEvents) {
  const auto events = split(std::string(R"( {"events": [)") + kEvent + "," + kEvent + "]} ");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].substr(0, std::string(kEvent).size()), kEvent);
}

TEST(HttpPublishBody, AnEnvelopeKeyWrittenWithEscapesIsStillTheEnvelope) {
  // Keys are compared unescaped (as EventParser compares them). Found by fuzz/publish_body.
  EXPECT_EQ(split(std::string(R"({"\u0065vents":[)") + kEvent + "]}"), Events{kEvent});
  EXPECT_EQ(split(std::string(R"( { "ev\u0065nts" : [ )") + kEvent + "] } "), Events{kEvent});
  EXPECT_EQ(refusal(R"({"\u0065vents":{}})").kind, Kind::kInvalidEnvelope);
}

TEST(HttpPublishBody, ElementsThatAreNotEventsAreLeftToTheParser) {
  // Splitting judges the outer structure only: these get their own index and EventParser's reason.
  const auto events = split(R"([5, "text", null, [1, 2], {"a": 1e400}, {"a":{"b":}}])");
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].substr(0, 1), "5");
  EXPECT_EQ(events[1].substr(0, 6), R"("text")");
  EXPECT_EQ(events[3].substr(0, 6), "[1, 2]");
  EXPECT_EQ(events[4].substr(0, 11), R"({"a": 1e400)");
  EventParser parser;
  for (const auto& text : events) {
    EXPECT_TRUE(std::holds_alternative<Rejection>(parser.parse(text))) << text;
  }
}

TEST(HttpPublishBody, BodiesThatAreNotArraysOrObjectsAreOneEvent) {
  EXPECT_EQ(split("nonsense"), Events{"nonsense"});
  EXPECT_EQ(split("42"), Events{"42"});
  // An object without "events" that is broken is still one event: the parser says why.
  EXPECT_EQ(split(R"({"topic": )"), Events{R"({"topic": )"});
}

TEST(HttpPublishBody, EmptyBodiesAndBatchesAreRefused) {
  EXPECT_EQ(refusal("").kind, Kind::kEmptyBody);
  EXPECT_EQ(refusal(" \r\n\t").kind, Kind::kEmptyBody);
  EXPECT_EQ(refusal("[]").kind, Kind::kEmptyBatch);
  EXPECT_EQ(refusal(" [ ] ").kind, Kind::kEmptyBatch);
  EXPECT_EQ(refusal(R"({"events":[]})").kind, Kind::kEmptyBatch);
  EXPECT_EQ(refusal("[]").code(), "empty_batch");
}

TEST(HttpPublishBody, BrokenArraysAreRefusedAsInvalidJson) {
  for (const std::string body :
       {"[", "[{}", "[{},", "[{},]", "[{} {}]", "[{}] x", "[{}]]", "[,{}]", "[{}}", "[{}][{}]"}) {
    EXPECT_EQ(refusal(body).kind, Kind::kInvalidJson) << body;
  }
  EXPECT_EQ(refusal("[{}").code(), "invalid_json");
}

TEST(HttpPublishBody, BrokenEnvelopesAreRefused) {
  EXPECT_EQ(refusal(R"({"events":{}})").kind, Kind::kInvalidEnvelope);
  EXPECT_EQ(refusal(R"({"events":"x"})").kind, Kind::kInvalidEnvelope);
  EXPECT_EQ(refusal(std::string(R"({"events":[)") + kEvent + R"(],"topic":"a"})").kind,
            Kind::kInvalidEnvelope);
  EXPECT_EQ(refusal(R"({"x":1,"events":[{}]})").code(), "invalid_envelope");
  EXPECT_EQ(refusal(R"({"events":[{}],})").kind, Kind::kInvalidJson);
  EXPECT_EQ(refusal(R"({"events":[{}] "x":1})").kind, Kind::kInvalidJson);
}

TEST(HttpPublishBody, InvalidUtf8AroundTheEventsIsRefused) {
  EXPECT_EQ(refusal("[{}, \"\xff\"]").kind, Kind::kInvalidUtf8);
  EXPECT_EQ(refusal("{\"events\":[{\"a\":\"\xc3\x28\"}]}").kind, Kind::kInvalidUtf8);
}

TEST(HttpPublishBody, BatchesLongerThanTheLimitAreRefused) {
  std::string body = "[";
  for (int i = 0; i < 4; ++i) {
    body += std::string(i == 0 ? "" : ",") + kEvent;
  }
  body += "]";
  EXPECT_EQ(split(body, 4).size(), 4u);
  const auto error = refusal(body, 3);
  EXPECT_EQ(error.kind, Kind::kTooManyEvents);
  EXPECT_EQ(error.code(), "too_many_events");
  EXPECT_NE(error.detail.find("at most 3 events"), std::string::npos) << error.detail;
  EXPECT_EQ(refusal(std::string(R"({"events":)") + body + "}", 3).kind, Kind::kTooManyEvents);
}

}  // namespace
}  // namespace eventsink
