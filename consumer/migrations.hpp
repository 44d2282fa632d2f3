// Versioned, idempotent schema migrations (the files in sql/migrations, compiled in).
#pragma once

#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace eventsink {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// The migrations compiled into this binary, in version order.
const std::vector<Migration>& bundled_migrations();

// Applies every bundled migration the database does not have yet, each recorded in
// schema_migrations, all in one transaction under an advisory lock: safe to run from several
// workers and processes at once (one applies, the others wait and then find nothing to do).
// Returns how many were applied. Throws pqxx exceptions on failure (nothing is applied then).
int apply_migrations(pqxx::connection& connection);

}  // namespace eventsink
