// A small pool of PostgreSQL connections for the HTTP API's read-only queries.
//
// civetweb answers requests on several threads at once, and a pqxx::connection serves one thread
// at a time. The pool lends each caller a connection of its own, opening at most `size` of them
// (lazily: a service whose API is never asked opens none) and keeping them for the next caller.
// A connection that fails is dropped, never lent again, and a fresh one is opened on demand, so
// the pool heals by itself after PostgreSQL restarts.
//
// Thread-safety: run() may be called from any number of threads concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace eventsink {

struct ConnectionPoolOptions {
  std::size_t size = 4;
  // How long a caller waits for a connection when all `size` are lent out.
  std::chrono::milliseconds acquire_timeout{5000};
  // Set on every connection: a stuck query cannot hold an HTTP thread for longer.
  std::chrono::milliseconds statement_timeout{5000};
};

class ConnectionPool {
 public:
  ConnectionPool(std::string database_url, ConnectionPoolOptions options);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Calls `work(connection)` with a connection nobody else uses meanwhile and returns its result.
  // `work` must leave no transaction open and must be safe to repeat: when a connection that was
  // kept from an earlier call turns out to be broken (PostgreSQL restarted since), `work` is
  // retried once on a freshly opened connection. Exceptions from `work`, from connecting, or
  // std::runtime_error when no connection frees up within acquire_timeout, reach the caller.
  template <typename Work>
  auto run(Work&& work) {
    for (int attempt = 0;; ++attempt) {
      Lease lease = acquire();
      try {
        return work(*lease.connection);
      } catch (const pqxx::broken_connection&) {
        lease.broken = true;
        if (!lease.reused || attempt > 0) {
          throw;
        }
      }
    }
  }

 private:
  // A lent connection; goes back to the pool (or, when broken, away) on destruction.
  struct Lease {
    ConnectionPool* pool;
    std::unique_ptr<pqxx::connection> connection;
    bool reused = false;
    bool broken = false;

    Lease(ConnectionPool* owner, std::unique_ptr<pqxx::connection> lent, bool was_idle);
    Lease(Lease&&) = delete;
    ~Lease();
  };

  Lease acquire();
  void give_back(std::unique_ptr<pqxx::connection> connection, bool broken);
  std::unique_ptr<pqxx::connection> open() const;

  const std::string database_url_;
  const ConnectionPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mutex_
  std::size_t open_ = 0;  // connections idle or lent, guarded by mutex_
};

}  // namespace eventsink
