// The ledger's line format, its reader, and its thread-safe writer.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "producer/ledger.hpp"

namespace eventsink {
namespace {

std::filesystem::path temporary_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         (name + "-" + std::to_string(::getpid()) + ".tsv");
}

TEST(ProducerLedger, LinesHaveTheDocumentedForm) {
  EXPECT_EQ(format_ledger_line(
                {.topic = "order.created", .event_id = "e-1", .partition = 3, .offset = 1234}),
            "order.created\te-1\t3\t1234\n");
  EXPECT_EQ(format_ledger_line({.topic = "", .event_id = "", .partition = 0, .offset = 7}),
            "\t\t0\t7\n");
}

TEST(ProducerLedger, EveryKindOfEntrySurvivesARoundTrip) {
  const std::vector<LedgerEntry> entries = {
      {.topic = "order.created", .event_id = "e-1", .partition = 0, .offset = 0},
      {.topic = "user.login", .event_id = "a/b c", .partition = 5, .offset = 9'000'000'000},
      {.topic = "", .event_id = "", .partition = 2, .offset = 17},
      {.topic = "ünïcode.topic", .event_id = "ид-1", .partition = 1, .offset = 3},
  };
  for (const auto& entry : entries) {
    std::string line = format_ledger_line(entry);
    line.pop_back();  // the reader gets lines without '\n'
    EXPECT_EQ(parse_ledger_line(line), entry) << line;
  }
  EXPECT_TRUE(parse_ledger_line("\t\t2\t17").invalid());
  EXPECT_FALSE(parse_ledger_line("t\te\t2\t17").invalid());
}

TEST(ProducerLedger, MalformedLinesAreRefusedWithTheReason) {
  for (const std::string line : {"", "t\te\t1", "t\te\t1\t2\t3", "t\t\t1\t2", "\te\t1\t2",
                                 "t\te\tx\t2", "t\te\t1\t-2", "t\te\t1\t", "t\te\t1\t2 "}) {
    EXPECT_THROW(parse_ledger_line(line), LedgerFormatError) << "'" << line << "'";
  }
}

TEST(ProducerLedger, ReaderNamesTheFileAndLineOfAnError) {
  std::istringstream input("t\te\t0\t0\nt\te\t0\tbad\n");
  int visited = 0;
  try {
    read_ledger(input, "run.tsv", [&](const LedgerEntry&) { ++visited; });
    FAIL() << "no error";
  } catch (const LedgerFormatError& error) {
    EXPECT_NE(std::string(error.what()).find("run.tsv:2:"), std::string::npos) << error.what();
  }
  EXPECT_EQ(visited, 1);
}

TEST(ProducerLedger, WriterAndReaderRoundTripUnderConcurrentAppends) {
  const auto path = temporary_file("ledger-writer");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5'000;
  {
    LedgerWriter writer(path.string());
    {
      std::vector<std::jthread> threads;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&writer, t] {
          for (int i = 0; i < kPerThread; ++i) {
            if (i % 10 == 0) {
              writer.append({.topic = "", .event_id = "", .partition = t, .offset = i});
            } else {
              writer.append({.topic = "topic-" + std::to_string(t),
                             .event_id = std::to_string(i),
                             .partition = t,
                             .offset = i});
            }
          }
        });
      }
    }
    writer.close();
    EXPECT_EQ(writer.lines(), std::uint64_t(kThreads * kPerThread));
  }
  std::ifstream file(path);
  std::vector<int> per_partition(kThreads, 0);
  int invalid = 0;
  read_ledger(file, path.string(), [&](const LedgerEntry& entry) {
    ++per_partition.at(std::size_t(entry.partition));
    if (entry.invalid()) {
      ++invalid;
      EXPECT_EQ(entry.offset % 10, 0);
    } else {
      EXPECT_EQ(entry.topic, "topic-" + std::to_string(entry.partition));
      EXPECT_EQ(entry.event_id, std::to_string(entry.offset));
    }
  });
  for (int count : per_partition) {
    EXPECT_EQ(count, kPerThread) << "no line lost or torn";
  }
  EXPECT_EQ(invalid, kThreads * kPerThread / 10);
  std::filesystem::remove(path);
}

TEST(ProducerLedger, WriterRefusesAPathItCannotCreate) {
  EXPECT_THROW(LedgerWriter("/nonexistent-directory/ledger.tsv"), std::runtime_error);
}

TEST(ProducerLedger, WriterReportsAFailedWriteAtClose) {
  if (!std::filesystem::exists("/dev/full")) {
    GTEST_SKIP() << "no /dev/full here";
  }
  LedgerWriter writer("/dev/full");
  for (int i = 0; i < 10'000; ++i) {  // more than the stdio buffer, so a write happens
    writer.append({.topic = "t", .event_id = std::to_string(i), .partition = 0, .offset = i});
  }
  EXPECT_THROW(writer.close(), std::runtime_error);
}

}  // namespace
}  // namespace eventsink
