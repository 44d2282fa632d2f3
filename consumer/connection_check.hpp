// Whether an idle PostgreSQL connection is still usable, found out without running a query.
#pragma once

#include <pqxx/pqxx>

namespace eventsink {

// Reads what the server sent meanwhile, without waiting, which notices a connection the server
// closed (a restart, an idle timeout). Finding that out by running a query instead fails the
// query, and libpqxx 6.4 leaks the failed query's result. Not thread-safe for one connection.
bool connection_still_open(pqxx::connection& connection);

}  // namespace eventsink
