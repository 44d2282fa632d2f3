#include "benchmarks/libpq_handles.hpp"

#include <stdexcept>

namespace eventsink::bench::pq {

ConnectionHandle connect(const std::string& url) {
  ConnectionHandle connection(PQconnectdb(url.c_str()));
  if (!connection || PQstatus(connection.get()) != CONNECTION_OK) {
    throw std::runtime_error(std::string("cannot connect to PostgreSQL: ") +
                             (connection ? PQerrorMessage(connection.get()) : "out of memory"));
  }
  return connection;
}

ResultHandle exec(PGconn* connection, const std::string& sql) {
  ResultHandle result(PQexec(connection, sql.c_str()));
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("PostgreSQL: " + std::string(PQerrorMessage(connection)) +
                             " in: " + sql.substr(0, 80));
  }
  return result;
}

}  // namespace eventsink::bench::pq
