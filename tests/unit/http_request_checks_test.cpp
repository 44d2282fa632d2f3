#include "consumer/http/http_request_checks.hpp"

#include <gtest/gtest.h>

namespace eventsink {
namespace {

TEST(HttpContentType, JsonWithOrWithoutAUtf8CharsetIsAccepted) {
  for (const char* value :
       {"application/json", "Application/JSON", " application/json ", "application/json;",
        "application/json; charset=utf-8", "application/json;charset=UTF-8",
        "application/json; charset=\"utf-8\"", "application/json; charset=utf8",
        "application/json; foo=bar; charset=utf-8", "application/json; boundary"}) {
    EXPECT_TRUE(is_json_content_type(value)) << value;
  }
}

TEST(HttpContentType, OtherTypesAndCharsetsAreRefused) {
  for (const char* value :
       {"", "text/plain", "application/jsonx", "application/x-www-form-urlencoded", "text/json",
        "application/json-seq", "application/json; charset=latin1",
        "application/json; charset=utf-16", "multipart/form-data; boundary=x", "json"}) {
    EXPECT_FALSE(is_json_content_type(value)) << value;
  }
}

TEST(HttpBearerToken, OnlyTheExactTokenMatches) {
  EXPECT_TRUE(bearer_token_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_matches("bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_matches("  BEARER   s3cret  ", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer S3CRET", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer ", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("", "s3cret"));
}

TEST(HttpBearerToken, AnEmptyExpectedTokenMatchesNothing) {
  EXPECT_FALSE(bearer_token_matches("Bearer ", ""));
  EXPECT_FALSE(bearer_token_matches("", ""));
}

}  // namespace
}  // namespace eventsink
