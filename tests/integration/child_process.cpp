#include "tests/integration/child_process.hpp"

#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace eventsink::testing {

namespace {

std::vector<std::string> with_program(std::string program, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), std::move(program));
  return arguments;
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> arguments, const std::filesystem::path& log) {
  if (arguments.empty()) {
    throw std::invalid_argument("ChildProcess: no program to run");
  }
  // Everything the child needs is prepared before fork(): after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);
  const std::string log_path = log.string();
  pid_ = fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execvp(argv[0], argv.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    kill(SIGKILL);
  }
  wait();
}

void ChildProcess::kill(int signal) {
  if (!reaped_) {
    ::kill(pid_, signal);
  }
}

int ChildProcess::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return exit_status();
}

bool ChildProcess::running() {
  if (!reaped_ && waitpid(pid_, &status_, WNOHANG) == pid_) {
    reaped_ = true;
  }
  return !reaped_;
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  kill(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (running()) {
    kill(SIGKILL);
  }
  return wait();
}

int ChildProcess::exit_status() const {
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

ConsumerProcess::ConsumerProcess(std::vector<std::string> arguments,
                                 const std::filesystem::path& log)
    : ChildProcess(with_program(EVENTSINK_CONSUMER_BINARY, std::move(arguments)), log) {}

ProducerProcess::ProducerProcess(std::vector<std::string> arguments,
                                 const std::filesystem::path& log)
    : ChildProcess(with_program(EVENTSINK_PRODUCER_BINARY, std::move(arguments)), log) {}

}  // namespace eventsink::testing
