// FUZZ_CHECK: an invariant of the code under test, stated inside a fuzz target.
//
// When the condition does not hold, FUZZ_CHECK writes which invariant failed, why and where to
// stderr and aborts. libFuzzer treats the abort as a crash and keeps the input that caused it
// (scripts/fuzz.sh puts it in build-fuzz/findings/<target>/). `why` is only evaluated on failure,
// so it may build an expensive message.
//
// A macro, not a function: it needs the condition's text and the caller's file and line
// (std::source_location needs clang 15 with libstdc++).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace eventsink::fuzz {

[[noreturn]] inline void invariant_violated(const char* condition, std::string_view why,
                                            const char* file, int line) {
  std::fprintf(stderr, "\n==== INVARIANT VIOLATED at %s:%d\n  %s\n  %.*s\n", file, line, condition,
               static_cast<int>(why.size()), why.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace eventsink::fuzz

#define FUZZ_CHECK(condition, why)                                                  \
  do {                                                                              \
    if (!(condition)) {                                                             \
      ::eventsink::fuzz::invariant_violated(#condition, (why), __FILE__, __LINE__); \
    }                                                                               \
  } while (false)
