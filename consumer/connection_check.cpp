#include "consumer/connection_check.hpp"

namespace eventsink {

bool connection_still_open(pqxx::connection& connection) {
  try {
    connection.get_notifs();
    return connection.is_open();
  } catch (const pqxx::broken_connection&) {
    return false;
  }
}

}  // namespace eventsink
