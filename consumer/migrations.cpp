#include "consumer/migrations.hpp"

#include <set>
#include <string>

#include <spdlog/spdlog.h>

namespace eventsink {

int apply_migrations(pqxx::connection& connection) {
  pqxx::work tx(connection);
  // The lock is per database; tests that give each test its own schema merely take turns.
  tx.exec("SELECT pg_advisory_xact_lock(hashtext('eventsink.schema_migrations'))");
  tx.exec0(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql");
  std::set<int> applied;
  for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
    applied.insert(row[0].as<int>());
  }
  int count = 0;
  for (const auto& migration : bundled_migrations()) {
    if (applied.contains(migration.version)) {
      continue;
    }
    spdlog::info("applying migration {} ({})", migration.version, migration.name);
    tx.exec0(std::string(migration.sql));
    tx.exec_params0("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version, std::string(migration.name));
    ++count;
  }
  tx.commit();
  return count;
}

}  // namespace eventsink
