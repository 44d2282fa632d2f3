# Generates a C++ source that holds every sql/migrations/NNNN_name.sql file as a string, so the
# consumer binary carries its schema and needs no files at run time (Docker, installs).
#
# Invoked in script mode: cmake -DMIGRATIONS_DIR=... -DOUTPUT=... -P EmbedMigrations.cmake
file(GLOB migration_files "${MIGRATIONS_DIR}/[0-9][0-9][0-9][0-9]_*.sql")
list(SORT migration_files)
set(entries "")
foreach(path IN LISTS migration_files)
  get_filename_component(file_name "${path}" NAME_WE)
  string(SUBSTRING "${file_name}" 0 4 version)
  string(SUBSTRING "${file_name}" 5 -1 name)
  math(EXPR version "${version}")  # strips leading zeros
  file(READ "${path}" sql)
  string(APPEND entries "      {${version}, \"${name}\", R\"eventsink_sql(${sql})eventsink_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from sql/migrations by cmake/EmbedMigrations.cmake. Do not edit.
#include \"consumer/migrations.hpp\"

namespace eventsink {

const std::vector<Migration>& bundled_migrations() {
  static const std::vector<Migration> migrations = {
${entries}  };
  return migrations;
}

}  // namespace eventsink
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
