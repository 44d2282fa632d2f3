// Owning handles for libpq's C objects, and the few calls the ceiling measurement makes.
//
// The ceiling talks to PostgreSQL through libpq itself rather than libpqxx: it is the plainest,
// fastest path there is (a whole batch of COPY data in one call, no per-row library work), which
// is what a ceiling must be.
//
// Thread-safety: as libpq's: a connection belongs to one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <libpq-fe.h>

namespace eventsink::bench::pq {

struct ConnectionDeleter {
  void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};

using ConnectionHandle = std::unique_ptr<PGconn, ConnectionDeleter>;
using ResultHandle = std::unique_ptr<PGresult, ResultDeleter>;

// Connects to `url` (a libpq URL or key=value string). Throws std::runtime_error with libpq's
// message when the server cannot be reached.
ConnectionHandle connect(const std::string& url);

// Runs `sql` (no parameters) and returns its result; throws std::runtime_error with the server's
// message unless the result is a command completion or rows.
ResultHandle exec(PGconn* connection, const std::string& sql);

// Runs `copy_sql` ("COPY ... FROM STDIN") and sends `data`, the COPY stream, in one piece.
// Throws std::runtime_error when the server refuses any of it.
void copy_in(PGconn* connection, const std::string& copy_sql, std::string_view data);

}  // namespace eventsink::bench::pq
