#include "tests/integration/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

#include <curl/curl.h>

namespace eventsink::testing {
namespace {

void initialize_curl_once() {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) {
    throw std::runtime_error("curl_global_init failed");
  }
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* reply) {
  static_cast<HttpReply*>(reply)->body.append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* reply) {
  const std::string line(data, size * count);
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto value_start = line.find_first_not_of(' ', colon + 1);
    const auto value_end = line.find_last_not_of("\r\n");
    static_cast<HttpReply*>(reply)->headers[name] =
        value_start > value_end ? "" : line.substr(value_start, value_end - value_start + 1);
  }
  return size * count;
}

HttpReply perform(const std::string& method, const std::string& url, const std::string* body,
                  std::vector<std::string> headers, std::chrono::milliseconds timeout) {
  initialize_curl_once();
  const std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  HttpReply reply;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &reply);
  if (body != nullptr) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body->size()));
  }
  headers.push_back("Expect:");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> list(nullptr, curl_slist_free_all);
  for (const auto& header : headers) {
    list.reset(curl_slist_append(list.release(), header.c_str()));
  }
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list.get());
  if (curl_easy_perform(curl.get()) != CURLE_OK) {
    return {};
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace

nlohmann::json HttpReply::json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout)
    : base_("http://127.0.0.1:" + std::to_string(port)), timeout_(timeout) {}

HttpReply HttpClient::get(const std::string& path) const {
  return perform("GET", base_ + path, nullptr, {}, timeout_);
}

HttpReply HttpClient::post(const std::string& path, const std::string& body,
                           std::vector<std::string> headers) const {
  return perform("POST", base_ + path, &body, std::move(headers), timeout_);
}

HttpReply http_get(const std::string& url, std::chrono::milliseconds timeout) {
  return perform("GET", url, nullptr, {}, timeout);
}

}  // namespace eventsink::testing
