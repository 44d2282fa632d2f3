#include "consumer/http/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <CivetServer.h>
#include <spdlog/spdlog.h>

namespace eventsink {
namespace {

std::string reason_phrase(int status) {
  const char* text = mg_get_response_code_text(nullptr, status);
  return text != nullptr ? text : "Unknown";
}

void send(mg_connection* connection, const HttpResponse& response) {
  std::string head =
      "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  head += "Content-Type: " + response.content_type + "\r\n";
  head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  head += "Cache-Control: no-store\r\n";
  for (const auto& [name, value] : response.headers) {
    head += name + ": " + value + "\r\n";
  }
  head += "\r\n";
  mg_write(connection, head.data(), head.size());
  mg_write(connection, response.body.data(), response.body.size());
}

HttpResponse error_response(int status, const std::string& message) {
  return HttpResponse::json(status, R"({"error":")" + message + R"("})");
}

// Reads at most `limit` + 1 bytes, so an oversized chunked body is detected without being stored.
std::optional<std::string> read_body(mg_connection* connection, std::size_t limit) {
  const mg_request_info* info = mg_get_request_info(connection);
  if (info->content_length > static_cast<long long>(limit)) {
    return std::nullopt;
  }
  std::string body;
  char buffer[16384];
  for (;;) {
    const int read = mg_read(connection, buffer, sizeof buffer);
    if (read <= 0) {
      break;
    }
    body.append(buffer, static_cast<std::size_t>(read));
    if (body.size() > limit) {
      return std::nullopt;
    }
  }
  return body;
}

}  // namespace

std::optional<std::string> HttpRequest::param(const std::string& name) const {
  std::string value;
  if (!CivetServer::getParam(query, name.c_str(), value)) {
    return std::nullopt;
  }
  return value;
}

std::string HttpRequest::header(const std::string& lower_case_name) const {
  const auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

class HttpServer::PathHandler : public CivetHandler {
 public:
  explicit PathHandler(std::size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {}

  void add(const std::string& method, Handler handler) { methods_[method] = std::move(handler); }

  bool handleGet(CivetServer*, mg_connection* c) override { return dispatch("GET", c); }
  bool handlePost(CivetServer*, mg_connection* c) override { return dispatch("POST", c); }
  bool handlePut(CivetServer*, mg_connection* c) override { return dispatch("PUT", c); }
  bool handleDelete(CivetServer*, mg_connection* c) override { return dispatch("DELETE", c); }
  bool handlePatch(CivetServer*, mg_connection* c) override { return dispatch("PATCH", c); }

 private:
  bool dispatch(const std::string& method, mg_connection* connection) {
    const auto handler = methods_.find(method);
    if (handler == methods_.end()) {
      std::string allow;
      for (const auto& [name, unused] : methods_) {
        allow += (allow.empty() ? "" : ", ") + name;
      }
      auto response = error_response(405, "method " + method + " not allowed");
      response.headers.emplace_back("Allow", allow);
      send(connection, response);
      return true;
    }
    const mg_request_info* info = mg_get_request_info(connection);
    HttpRequest request;
    request.method = method;
    request.path = info->local_uri != nullptr ? info->local_uri : "";
    request.query = info->query_string != nullptr ? info->query_string : "";
    for (int i = 0; i < info->num_headers; ++i) {
      std::string name = info->http_headers[i].name;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = info->http_headers[i].value;
    }
    auto body = read_body(connection, max_body_bytes_);
    if (!body) {
      send(connection, error_response(413, "request body larger than " +
                                               std::to_string(max_body_bytes_) + " bytes"));
      return true;
    }
    request.body = std::move(*body);
    try {
      send(connection, handler->second(request));
    } catch (const std::exception& error) {
      spdlog::error("HTTP {} {} failed: {}", method, request.path, error.what());
      send(connection, error_response(500, "internal error"));
    }
    return true;
  }

  std::size_t max_body_bytes_;
  std::map<std::string, Handler> methods_;
};

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

void HttpServer::start() {
  if (server_) {
    throw std::logic_error("HttpServer::start() called twice");
  }
  const std::vector<std::string> civet_options = {
      "listening_ports",    options_.address + ":" + std::to_string(options_.port),
      "num_threads",        std::to_string(options_.threads),
      "request_timeout_ms", std::to_string(options_.request_timeout_ms),
      "enable_keep_alive",  "yes",
  };
  try {
    server_ = std::make_unique<CivetServer>(civet_options);
  } catch (const CivetException& error) {
    throw std::runtime_error("cannot serve HTTP on " + options_.address + ":" +
                             std::to_string(options_.port) +
                             " (is the port taken? set --http-port): " + error.what());
  }
  for (const auto& [path, handler] : paths_) {
    // civetweb matches handler URIs by prefix; '$' anchors the match to the whole path.
    server_->addHandler(path + "$", handler.get());
  }
}

HttpServer::~HttpServer() {
  if (server_) {
    server_->close();  // joins civetweb's threads before the handlers are destroyed
  }
}

void HttpServer::route(const std::string& method, const std::string& path, Handler handler) {
  if (server_) {
    throw std::logic_error("HttpServer::route() after start(): " + method + " " + path);
  }
  auto& entry = paths_[path];
  if (!entry) {
    entry = std::make_unique<PathHandler>(options_.max_body_bytes);
  }
  entry->add(method, std::move(handler));
}

}  // namespace eventsink
