// Owning handles for libpq's C objects, and the few calls the ceiling measurement makes.
//
// The ceiling talks to PostgreSQL through libpq itself rather than libpqxx: it is the plainest,
// fastest path there is (a whole batch of COPY data in one call, no per-row library work), which
// is what a ceiling must be. Its COPY goes through the sink's own CopyIn (consumer/copy_in.hpp).
//
// Thread-safety: as libpq's: a connection belongs to one thread at a time.
#pragma once

#include <memory>
#include <string>

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

}  // namespace eventsink::bench::pq
