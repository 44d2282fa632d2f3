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

void copy_in(PGconn* connection, const std::string& copy_sql, std::string_view data) {
  if (const ResultHandle start(PQexec(connection, copy_sql.c_str()));
      PQresultStatus(start.get()) != PGRES_COPY_IN) {
    throw std::runtime_error("PostgreSQL: " + std::string(PQerrorMessage(connection)) +
                             " in: " + copy_sql);
  }
  // PQputCopyData takes an int length: send batches over 2 GiB in pieces.
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  for (std::size_t at = 0; at < data.size(); at += kPiece) {
    const auto piece = data.substr(at, kPiece);
    if (PQputCopyData(connection, piece.data(), static_cast<int>(piece.size())) != 1) {
      throw std::runtime_error("PostgreSQL COPY: " + std::string(PQerrorMessage(connection)));
    }
  }
  if (PQputCopyEnd(connection, nullptr) != 1) {
    throw std::runtime_error("PostgreSQL COPY: " + std::string(PQerrorMessage(connection)));
  }
  // The COPY's own result, then the null result that ends the command.
  std::string error;
  while (ResultHandle result{PQgetResult(connection)}) {
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      error = PQresultErrorMessage(result.get());
    }
  }
  if (!error.empty()) {
    throw std::runtime_error("PostgreSQL COPY: " + error);
  }
}

}  // namespace eventsink::bench::pq
