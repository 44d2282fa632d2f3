// A program the tests run as a child process: the consumer and producer binaries, Prometheus.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace eventsink::testing {

// Starts `arguments` (argv[0] is a path, or a name looked up on PATH) with standard output and
// standard error appended to `log`. The destructor is the scope guard a failed assertion needs:
// a child still running is SIGKILLed, and the child is always reaped.
//
// Not thread-safe: one test thread owns the object.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> arguments, const std::filesystem::path& log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends `signal`; a no-op once the child has been reaped.
  void kill(int signal);
  // Waits for the exit; returns the exit status, or 128 + the signal that ended it.
  int wait();
  // False once the child has exited (it is then reaped).
  bool running();
  // SIGTERM, then SIGKILL if the child is still running after `grace`. Returns what wait() does.
  int stop(std::chrono::milliseconds grace);
  pid_t pid() const { return pid_; }

 private:
  int exit_status() const;

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// The eventsink-consumer binary built with the tests; `arguments` exclude argv[0].
class ConsumerProcess : public ChildProcess {
 public:
  ConsumerProcess(std::vector<std::string> arguments, const std::filesystem::path& log);
};

// The eventsink-producer binary built with the tests; `arguments` exclude argv[0].
class ProducerProcess : public ChildProcess {
 public:
  ProducerProcess(std::vector<std::string> arguments, const std::filesystem::path& log);
};

}  // namespace eventsink::testing
