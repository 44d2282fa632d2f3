#include "consumer/http/events_query.hpp"

#include <charconv>

namespace eventsink {
namespace {

// A decimal integer without sign, spaces or leading '+': the whole text, or nullopt.
std::optional<std::int64_t> parse_decimal(const std::string& text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  if (text.empty() || text.front() == '-') {
    return std::nullopt;
  }
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc{} || stop != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::variant<EventsQuery, EventsQueryError> parse_events_query(const HttpRequest& request) {
  EventsQuery query;
  if (auto topic = request.param("topic")) {
    if (topic->empty()) {
      return EventsQueryError{"topic must not be empty (leave it out to list every topic)"};
    }
    query.topic = std::move(*topic);
  }
  if (const auto limit = request.param("limit")) {
    const auto value = parse_decimal(*limit);
    if (!value || *value < 1 || *value > EventsQuery::kMaxLimit) {
      return EventsQueryError{"limit must be an integer from 1 to " +
                              std::to_string(EventsQuery::kMaxLimit)};
    }
    query.limit = static_cast<int>(*value);
  }
  if (const auto after = request.param("after")) {
    const auto value = parse_decimal(*after);
    if (!value || *value < 1) {
      return EventsQueryError{"after must be a cursor returned as \"next\" by this API"};
    }
    query.after = *value;
  }
  return query;
}

std::string events_cursor(std::int64_t id) {
  return std::to_string(id);
}

}  // namespace eventsink
