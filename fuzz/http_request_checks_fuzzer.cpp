// libFuzzer target: the pure checks the HTTP API makes on requests: is_json_content_type and
// bearer_token_matches (consumer/http/http_request_checks.cpp), and the GET /events query
// (parse_events_query, consumer/http/events_query.cpp, which reads parameters through civetweb's
// URL decoding).
//
// The input is cut by FuzzedDataProvider into a Content-Type value, an Authorization value, a
// token and a query string. In the seeds, a backslash followed by a space ends each of the first
// three (fuzz/corpus/http_request_checks/). Besides "no crash, no undefined behaviour,
// no leak":
//   Content-Type: ASCII case and spaces or tabs around the value do not change the answer;
//     an accepted value's media type is application/json; adding "; charset=UTF-8" changes
//     nothing, adding "; charset=latin1" always refuses.
//   Authorization: an empty token matches nothing; a match is exactly "Bearer" (any case), a
//     space, then the token, with spaces or tabs around; "Bearer <token>" matches for every
//     token without spaces or tabs at its ends; the token with a byte more or less does not.
//   Query: an accepted query has a topic that is absent or not empty, a limit 1..1000 (100 when
//     absent) and a cursor that is absent or >= 1, each equal to its decoded parameter; a refused
//     one says why; the cursor of an accepted query, written by events_cursor, reads back the same.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <fuzzer/FuzzedDataProvider.h>

#include "consumer/http/events_query.hpp"
#include "consumer/http/http_request_checks.hpp"
#include "consumer/http/http_server.hpp"
#include "fuzz/check.hpp"

namespace eventsink::fuzz {
namespace {

std::string to_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string to_upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

void check_content_type(const std::string& value) {
  const bool accepted = is_json_content_type(value);
  FUZZ_CHECK(is_json_content_type(to_upper(value)) == accepted, value);
  FUZZ_CHECK(is_json_content_type(to_lower(value)) == accepted, value);
  FUZZ_CHECK(is_json_content_type(" \t" + value + "\t ") == accepted, value);
  FUZZ_CHECK(is_json_content_type(value + "; charset=UTF-8") == accepted, value);
  FUZZ_CHECK(!is_json_content_type(value + "; charset=latin1"), value);
  if (accepted) {
    const std::string media_type(trim(std::string_view(value).substr(0, value.find(';'))));
    FUZZ_CHECK(to_lower(media_type) == "application/json", value);
  }
}

void check_authorization(const std::string& header, const std::string& token) {
  const bool matches = bearer_token_matches(header, token);
  FUZZ_CHECK(!token.empty() || !matches, "an empty token matched " + header);
  if (matches) {
    const std::string_view trimmed = trim(header);
    FUZZ_CHECK(trimmed.size() > 7 && to_lower(std::string(trimmed.substr(0, 7))) == "bearer ",
               "matched without the Bearer scheme: " + header);
    FUZZ_CHECK(trim(trimmed.substr(7)) == token, "matched another token: " + header);
  }
  if (!token.empty() && trim(token) == token) {
    FUZZ_CHECK(bearer_token_matches("Bearer " + token, token), token);
    FUZZ_CHECK(bearer_token_matches(" bEARER \t" + token + "\t ", token), token);
    FUZZ_CHECK(!bearer_token_matches("Bearer " + token + "x", token), token);
    FUZZ_CHECK(!bearer_token_matches("Bearer " + token.substr(1), token), token);
  }
}

void check_events_query(const std::string& query) {
  HttpRequest request;
  request.query = query;
  const auto result = parse_events_query(request);
  if (const auto* error = std::get_if<EventsQueryError>(&result)) {
    FUZZ_CHECK(!error->message.empty(), "a refused query without a reason: " + query);
    return;
  }
  const EventsQuery& parsed = std::get<EventsQuery>(result);
  FUZZ_CHECK(parsed.topic == request.param("topic"), query);
  FUZZ_CHECK(!parsed.topic || !parsed.topic->empty(), query);
  FUZZ_CHECK(parsed.limit >= 1 && parsed.limit <= EventsQuery::kMaxLimit, query);
  FUZZ_CHECK(parsed.after.value_or(1) >= 1, query);
  // Each number is its parameter, leading zeros aside.
  const auto spelled = [&](const char* name) {
    std::string text = request.param(name).value_or("");
    text.erase(0, std::min(text.find_first_not_of('0'), text.size() - 1));
    return text;
  };
  FUZZ_CHECK(request.param("limit") ? spelled("limit") == std::to_string(parsed.limit)
                                    : parsed.limit == EventsQuery::kDefaultLimit,
             query);
  FUZZ_CHECK(request.param("after") ? spelled("after") == std::to_string(*parsed.after)
                                    : !parsed.after.has_value(),
             query);
  if (parsed.after) {
    HttpRequest next_page;
    next_page.query = "after=" + events_cursor(*parsed.after);
    const auto reread = parse_events_query(next_page);
    FUZZ_CHECK(std::holds_alternative<EventsQuery>(reread) &&
                   std::get<EventsQuery>(reread).after == parsed.after,
               "the cursor does not read back: " + next_page.query);
  }
}

}  // namespace
}  // namespace eventsink::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string content_type = input.ConsumeRandomLengthString();
  const std::string authorization = input.ConsumeRandomLengthString();
  const std::string token = input.ConsumeRandomLengthString();
  const std::string query = input.ConsumeRemainingBytesAsString();

  eventsink::fuzz::check_content_type(content_type);
  eventsink::fuzz::check_authorization(authorization, token);
  eventsink::fuzz::check_events_query(query);
  return 0;
}
