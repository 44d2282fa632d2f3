// A small HTTP/1.1 server (civetweb) that routes requests to plain functions.
//
// Handlers receive a complete request (the body already read, within `max_body_bytes`) and
// return a complete response; they never see civetweb. A request whose body is larger than the
// limit is answered 413 without calling the handler; an exception escaping a handler is answered
// 500 and logged, so a bug in one endpoint cannot take the server down.
//
// Thread-safety: handlers run concurrently on civetweb's worker threads and must be thread-safe.
// Routes are registered on one thread before start(); the route table is read-only afterwards,
// so the worker threads read it without locks.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

class CivetServer;

namespace eventsink {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;  // raw, without '?'
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  // The URL-decoded value of query parameter `name`, if present.
  std::optional<std::string> param(const std::string& name) const;
  std::string header(const std::string& lower_case_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 8080;
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  int threads = 8;
  int request_timeout_ms = 10000;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Does not listen yet: route() everything, then start().
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes `method` requests for exactly `path` to `handler`. Other methods on a routed path are
  // answered 405 with an Allow header; unrouted paths 404. Throws std::logic_error after start().
  void route(const std::string& method, const std::string& path, Handler handler);

  // Starts listening and serving the routes. Throws std::runtime_error naming the address when
  // it cannot bind (for example, the port is taken). Call once.
  void start();

  int port() const { return options_.port; }

 private:
  class PathHandler;

  HttpServerOptions options_;
  std::unique_ptr<CivetServer> server_;
  std::map<std::string, std::unique_ptr<PathHandler>> paths_;
};

}  // namespace eventsink
