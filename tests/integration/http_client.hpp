// A blocking HTTP client (libcurl) for the tests: the consumer's API, metrics endpoints,
// Prometheus.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace eventsink::testing {

struct HttpReply {
  long status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  // The body as JSON; a discarded value (is_discarded()) when it is not JSON.
  nlohmann::json json() const;
};

// Requests to one server, e.g. HttpClient(8080) for http://127.0.0.1:8080. Bodies are sent as they
// are, NUL bytes included, at once (no "Expect: 100-continue").
//
// Thread-safe: every request uses its own curl handle.
class HttpClient {
 public:
  explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  HttpReply get(const std::string& path) const;
  HttpReply post(const std::string& path, const std::string& body,
                 std::vector<std::string> headers = {"Content-Type: application/json"}) const;

 private:
  std::string base_;
  std::chrono::milliseconds timeout_;
};

// GET of a full URL.
HttpReply http_get(const std::string& url,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace eventsink::testing
