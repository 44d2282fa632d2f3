#include "consumer/copy_in.hpp"

#include <memory>

namespace eventsink {
namespace {

struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// libpqxx 6.4 gives the connection of a transaction to large-object classes only, through this
// protected static member; deriving is how it is meant to be reached.
class ConnectionOf : public pqxx::largeobject {
 public:
  static PGconn* transaction(const pqxx::dbtransaction& tx) {
    return pqxx::largeobject::raw_connection(tx);
  }
};

bool starts_with(const char* sqlstate, std::string_view prefix) {
  return sqlstate != nullptr && std::string_view(sqlstate).starts_with(prefix);
}

// The libpqxx exception for a failed result: the classes callers tell apart, chosen as libpqxx 6.4
// chooses them for its own statements (result::ThrowSQLError).
[[noreturn]] void throw_error(PGconn* connection, const PGresult* result,
                              const std::string& statement) {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  if (PQstatus(connection) != CONNECTION_OK || starts_with(sqlstate, "08")) {
    throw pqxx::broken_connection(message);
  }
  if (starts_with(sqlstate, "22")) {
    throw pqxx::data_exception(message, statement, sqlstate);
  }
  if (starts_with(sqlstate, "23514")) {
    throw pqxx::check_violation(message, statement, sqlstate);
  }
  if (starts_with(sqlstate, "23")) {
    throw pqxx::integrity_constraint_violation(message, statement, sqlstate);
  }
  if (starts_with(sqlstate, "40001")) {
    throw pqxx::serialization_failure(message);
  }
  if (starts_with(sqlstate, "40P01")) {
    throw pqxx::deadlock_detected(message);
  }
  if (starts_with(sqlstate, "53")) {
    throw pqxx::insufficient_resources(message, statement, sqlstate);
  }
  throw pqxx::sql_error(message, statement, sqlstate);
}

}  // namespace

CopyIn::CopyIn(pqxx::dbtransaction& tx, const std::string& copy_statement)
    : CopyIn(ConnectionOf::transaction(tx), copy_statement) {}

CopyIn::CopyIn(PGconn* connection, const std::string& copy_statement)
    : connection_(connection), statement_(copy_statement) {
  const Result started(PQexec(connection_, statement_.c_str()));
  if (PQresultStatus(started.get()) != PGRES_COPY_IN) {
    throw_error(connection_, started.get(), statement_);
  }
  open_ = true;
}

CopyIn::~CopyIn() {
  if (open_) {
    // A failure here leaves the connection broken, which the rollback will report.
    if (PQputCopyEnd(connection_, "abandoned by the client") == 1) {
      while (const Result result{PQgetResult(connection_)}) {
      }
    }
  }
}

void CopyIn::send(std::string_view data) {
  // PQputCopyData takes an int length.
  constexpr std::size_t kMostPerCall = std::size_t{1} << 30;
  for (std::size_t at = 0; at < data.size(); at += kMostPerCall) {
    const auto piece = data.substr(at, kMostPerCall);
    if (PQputCopyData(connection_, piece.data(), static_cast<int>(piece.size())) != 1) {
      open_ = false;  // the connection is gone: nothing left to end
      throw_error(connection_, nullptr, statement_);
    }
  }
}

void CopyIn::finish() {
  open_ = false;
  if (PQputCopyEnd(connection_, nullptr) != 1) {
    throw_error(connection_, nullptr, statement_);
  }
  // The COPY's own result, then the null one that ends the command; every result is collected
  // even after an error, or the connection would not be ready for the next statement.
  Result failed;
  while (Result result{PQgetResult(connection_)}) {
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK && !failed) {
      failed = std::move(result);
    }
  }
  if (failed) {
    throw_error(connection_, failed.get(), statement_);
  }
}

}  // namespace eventsink
