#include "consumer/http/connection_pool.hpp"

#include <stdexcept>

#include "consumer/connection_check.hpp"

namespace eventsink {

ConnectionPool::ConnectionPool(std::string database_url, ConnectionPoolOptions options)
    : database_url_(std::move(database_url)), options_(options) {}

ConnectionPool::~ConnectionPool() = default;

ConnectionPool::Lease::Lease(ConnectionPool* owner, std::unique_ptr<pqxx::connection> lent,
                             bool was_idle)
    : pool(owner), connection(std::move(lent)), reused(was_idle) {}

ConnectionPool::Lease::~Lease() {
  pool->give_back(std::move(connection), broken);
}

ConnectionPool::Lease ConnectionPool::acquire() {
  for (;;) {
    std::unique_lock lock(mutex_);
    const bool available = returned_.wait_for(
        lock, options_.acquire_timeout, [&] { return !idle_.empty() || open_ < options_.size; });
    if (!available) {
      throw std::runtime_error("all " + std::to_string(options_.size) +
                               " database connections of the HTTP API are busy");
    }
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (connection_still_open(*connection)) {
        return Lease(this, std::move(connection), /*was_idle=*/true);
      }
      give_back(nullptr, /*broken=*/true);  // closed while idle: open another
      continue;
    }
    ++open_;  // reserve the slot, then connect without holding the lock
    lock.unlock();
    try {
      return Lease(this, open(), /*was_idle=*/false);
    } catch (...) {
      give_back(nullptr, /*broken=*/true);
      throw;
    }
  }
}

void ConnectionPool::give_back(std::unique_ptr<pqxx::connection> connection, bool broken) {
  {
    std::lock_guard lock(mutex_);
    if (connection && !broken && connection->is_open()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  returned_.notify_one();
}

std::unique_ptr<pqxx::connection> ConnectionPool::open() const {
  auto connection = std::make_unique<pqxx::connection>(database_url_);
  pqxx::nontransaction setup(*connection);
  setup.exec_params1("SELECT set_config('statement_timeout', $1, false)",
                     std::to_string(options_.statement_timeout.count()));
  setup.commit();
  return connection;
}

}  // namespace eventsink
