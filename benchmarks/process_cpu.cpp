#include "benchmarks/process_cpu.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace eventsink::bench {

std::optional<double> cpu_seconds_of(int pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!file || !std::getline(file, stat)) {
    return std::nullopt;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields from the
  // last ')'. utime and stime are fields 14 and 15, i.e. the 12th and 13th after the comm.
  const auto comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(stat.substr(comm_end + 1));
  std::string skipped;
  for (int field = 3; field < 14; ++field) {
    fields >> skipped;
  }
  long long user_ticks = 0;
  long long system_ticks = 0;
  if (!(fields >> user_ticks >> system_ticks)) {
    return std::nullopt;
  }
  return double(user_ticks + system_ticks) / double(sysconf(_SC_CLK_TCK));
}

}  // namespace eventsink::bench
