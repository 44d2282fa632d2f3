// Checks on HTTP request headers that the API's endpoints share.
//
// Thread-safety: pure functions; call them from any thread.
#pragma once

#include <string_view>

namespace eventsink {

// True when a Content-Type header value names JSON: the media type "application/json" (letters in
// any case), optionally with parameters, of which a charset must be "utf-8" (RFC 8259 JSON is
// UTF-8; "utf8" and quoted values are accepted too). Other parameters are ignored.
//   "application/json"                  -> true
//   "Application/JSON; charset=UTF-8"   -> true
//   "application/json; charset=latin1"  -> false
//   "text/plain", "application/jsonx", "" -> false
bool is_json_content_type(std::string_view header_value);

// True when an Authorization header value is "Bearer <token>" (scheme in any case, RFC 7235)
// with exactly `expected_token`. The comparison takes the same time wherever the first difference
// is, so an attacker cannot learn the token byte by byte from response times. An empty
// `expected_token` matches nothing.
bool bearer_token_matches(std::string_view authorization_header, std::string_view expected_token);

}  // namespace eventsink
