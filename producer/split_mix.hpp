// SplitMix64: a tiny, fast pseudo-random generator whose output is fully specified.
//
// The load generator promises "same seed, same events". The standard library's distributions are
// implementation-defined (libstdc++ and libc++ draw different numbers from the same engine), so
// the generator uses this one generator and its own below()/unit() helpers instead: the sequence
// depends only on the seed, on every platform and compiler.
//
// Thread-safety: none; a SplitMix64 belongs to one thread.
#pragma once

#include <cstdint>
#include <limits>

namespace eventsink {

class SplitMix64 {
 public:
  using result_type = std::uint64_t;

  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  result_type operator()() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix(state_);
  }

  // A value in [0, bound); bound must be positive. The modulo bias is below 2^-40 for the small
  // bounds used here.
  std::uint64_t below(std::uint64_t bound) { return (*this)() % bound; }

  // A value in [0, 1), with 53 random bits.
  double unit() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  // The SplitMix64 finalizer: a bijective hash of 64 bits, used to derive independent seeds.
  static constexpr std::uint64_t mix(std::uint64_t value) {
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace eventsink
