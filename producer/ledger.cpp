#include "producer/ledger.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace eventsink {
namespace {

constexpr auto kFlushInterval = std::chrono::seconds(1);

template <typename Integer>
Integer parse_coordinate(std::string_view text, const char* what) {
  Integer value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < 0) {
    throw LedgerFormatError(std::string(what) + " '" + std::string(text) +
                            "' is not a non-negative integer");
  }
  return value;
}

}  // namespace

std::string format_ledger_line(const LedgerEntry& entry) {
  std::string line;
  line.reserve(entry.topic.size() + entry.event_id.size() + 32);
  line += entry.topic;
  line += '\t';
  line += entry.event_id;
  line += '\t';
  line += std::to_string(entry.partition);
  line += '\t';
  line += std::to_string(entry.offset);
  line += '\n';
  return line;
}

LedgerEntry parse_ledger_line(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string_view::npos) {
      break;
    }
    start = tab + 1;
  }
  if (fields.size() != 4) {
    throw LedgerFormatError("expected 4 TAB-separated fields, found " +
                            std::to_string(fields.size()));
  }
  if (fields[0].empty() != fields[1].empty()) {
    throw LedgerFormatError(
        "topic and event_id must both be set (an event) or both be empty (an invalid record)");
  }
  return LedgerEntry{.topic = std::string(fields[0]),
                     .event_id = std::string(fields[1]),
                     .partition = parse_coordinate<std::int32_t>(fields[2], "partition"),
                     .offset = parse_coordinate<std::int64_t>(fields[3], "offset")};
}

void read_ledger(std::istream& input, const std::string& name,
                 const std::function<void(const LedgerEntry&)>& visit) {
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(input, line)) {
    ++number;
    try {
      visit(parse_ledger_line(line));
    } catch (const LedgerFormatError& error) {
      throw LedgerFormatError(name + ":" + std::to_string(number) + ": " + error.what());
    }
  }
  if (input.bad()) {
    throw std::runtime_error(name + ": read error after line " + std::to_string(number));
  }
}

LedgerWriter::LedgerWriter(const std::string& path)
    : path_(path),
      file_(std::fopen(path.c_str(), "w")),
      last_flush_(std::chrono::steady_clock::now()) {
  if (!file_) {
    throw std::runtime_error("cannot create ledger " + path + ": " + std::strerror(errno));
  }
}

LedgerWriter::~LedgerWriter() = default;

void LedgerWriter::append(const LedgerEntry& entry) noexcept {
  try {
    const std::string line = format_ledger_line(entry);
    std::lock_guard lock(mutex_);
    if (!file_ || !error_.empty()) {
      return;
    }
    if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size()) {
      error_ = std::strerror(errno);
      return;
    }
    ++lines_;
    if (std::chrono::steady_clock::now() - last_flush_ >= kFlushInterval) {
      flush_locked();
    }
  } catch (...) {  // std::bad_alloc building the line
    std::lock_guard lock(mutex_);
    if (error_.empty()) {
      error_ = "out of memory";
    }
  }
}

void LedgerWriter::flush_locked() noexcept {
  if (std::fflush(file_.get()) != 0 && error_.empty()) {
    error_ = std::strerror(errno);
  }
  last_flush_ = std::chrono::steady_clock::now();
}

void LedgerWriter::close() {
  std::lock_guard lock(mutex_);
  if (!file_) {
    return;
  }
  flush_locked();
  if (std::fclose(file_.release()) != 0 && error_.empty()) {
    error_ = std::strerror(errno);
  }
  if (!error_.empty()) {
    throw std::runtime_error("writing ledger " + path_ + " failed: " + error_ +
                             " (it is incomplete; do not trust expectations computed from it)");
  }
}

std::uint64_t LedgerWriter::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace eventsink
