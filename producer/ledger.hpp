// The delivery ledger: one line per record the broker acknowledged, enough to compute what the
// sink must end up with (expected_stats.hpp).
//
// FORMAT (text, UTF-8, one record per line, fields separated by one TAB, lines end with '\n'):
//
//   <topic> TAB <event_id> TAB <partition> TAB <offset>     a valid event
//   TAB TAB <partition> TAB <offset>                        a record that is not a valid event
//                                                           (the sink dead-letters it)
//
// partition and offset are the record's Kafka coordinates, decimal. A valid event's topic and
// event_id are never empty and never contain a TAB or a line break (EventParser refuses control
// characters in them), so both forms are unambiguous and need no escaping. There is no header.
// Lines appear in the order the delivery reports arrived, not in offset order.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

namespace eventsink {

struct LedgerEntry {
  std::string topic;     // empty for an invalid record
  std::string event_id;  // empty for an invalid record
  std::int32_t partition = -1;
  std::int64_t offset = -1;

  bool invalid() const { return topic.empty(); }
  bool operator==(const LedgerEntry&) const = default;
};

// A line that does not follow the format; the message names the file and line.
class LedgerFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The line for `entry`, '\n' included.
std::string format_ledger_line(const LedgerEntry& entry);

// Parses one line (without its '\n'). Throws LedgerFormatError saying what is wrong.
LedgerEntry parse_ledger_line(std::string_view line);

// Calls `visit` for every line of `input`. `name` (a file name) goes into error messages.
// Throws LedgerFormatError at the first malformed line, std::runtime_error on a read error.
void read_ledger(std::istream& input, const std::string& name,
                 const std::function<void(const LedgerEntry&)>& visit);

// Appends ledger lines to a file.
//
// Lines are buffered and reach the file at least once a second while reports arrive, and all
// of them by close(). A process killed with SIGKILL can lose the last second of lines; SIGINT and
// SIGTERM do not lose any (the producer closes the ledger before exiting).
//
// Thread-safety: append() may be called from any thread concurrently (the delivery-report
// callback runs on librdkafka's polling thread, and sometimes on a thread that flushes).
class LedgerWriter {
 public:
  // Creates or truncates `path`. Throws std::runtime_error when it cannot be opened.
  explicit LedgerWriter(const std::string& path);
  ~LedgerWriter();  // closes, ignoring errors: call close() to learn about them
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;

  // Never throws (it runs inside librdkafka's callback): the first write error is remembered
  // and reported by close(); later lines are dropped.
  void append(const LedgerEntry& entry) noexcept;

  // Writes everything out and closes the file. Throws std::runtime_error if any write failed.
  void close();

  std::uint64_t lines() const;
  const std::string& path() const { return path_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const noexcept { std::fclose(file); }
  };
  void flush_locked() noexcept;

  const std::string path_;
  mutable std::mutex mutex_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::uint64_t lines_ = 0;
  std::string error_;  // the first write error, "" while there is none
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace eventsink
