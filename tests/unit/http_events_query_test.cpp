// GET /events query parameters: defaults, limits, cursors, URL decoding.
#include <gtest/gtest.h>

#include "consumer/http/events_query.hpp"

namespace eventsink {
namespace {

std::variant<EventsQuery, EventsQueryError> parse(std::string query) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/events";
  request.query = std::move(query);
  return parse_events_query(request);
}

EventsQuery accepted(std::string query) {
  auto result = parse(query);
  if (const auto* error = std::get_if<EventsQueryError>(&result)) {
    ADD_FAILURE() << query << ": " << error->message;
    return {};
  }
  return std::get<EventsQuery>(result);
}

bool refused(std::string query) {
  return std::holds_alternative<EventsQueryError>(parse(query));
}

TEST(HttpEventsQuery, DefaultsToTheNewestHundredOfEveryTopic) {
  const auto query = accepted("");
  EXPECT_EQ(query.topic, std::nullopt);
  EXPECT_EQ(query.limit, 100);
  EXPECT_EQ(query.after, std::nullopt);
}

TEST(HttpEventsQuery, ReadsTopicLimitAndCursor) {
  const auto query = accepted("topic=order.created&limit=25&after=12345&other=ignored");
  EXPECT_EQ(query.topic, "order.created");
  EXPECT_EQ(query.limit, 25);
  EXPECT_EQ(query.after, 12345);
}

TEST(HttpEventsQuery, TopicIsUrlDecoded) {
  EXPECT_EQ(accepted("topic=a%2Fb%20c").topic, "a/b c");
  EXPECT_EQ(accepted("topic=a+b").topic, "a b");
}

TEST(HttpEventsQuery, LimitMustBeOneToAThousand) {
  EXPECT_EQ(accepted("limit=1").limit, 1);
  EXPECT_EQ(accepted("limit=1000").limit, 1000);
  for (const char* query : {"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=", "limit=10x",
                            "limit=+5", "limit= 5", "limit=1e2", "limit=99999999999999999999"}) {
    EXPECT_TRUE(refused(query)) << query;
  }
}

TEST(HttpEventsQuery, CursorMustBeAPositiveInteger) {
  EXPECT_EQ(accepted("after=1").after, 1);
  EXPECT_EQ(accepted("after=9223372036854775807").after, 9223372036854775807);
  for (const char* query : {"after=0", "after=-3", "after=", "after=abc", "after=1.5",
                            "after=9223372036854775808", "after=null"}) {
    EXPECT_TRUE(refused(query)) << query;
  }
}

TEST(HttpEventsQuery, AnEmptyTopicIsRefused) {
  EXPECT_TRUE(refused("topic="));
}

TEST(HttpEventsQuery, CursorsRoundTrip) {
  EXPECT_EQ(accepted("after=" + events_cursor(42)).after, 42);
}

}  // namespace
}  // namespace eventsink
