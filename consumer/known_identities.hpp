// Which events are certainly not stored yet: a Bloom filter of the identities in `events`.
//
// ON CONFLICT DO NOTHING is PostgreSQL's speculative insertion. For every row it first searches
// the primary key for a conflict, then inserts the heap tuple under a speculative-insertion lock,
// inserts into the primary key (a second descent), and confirms the tuple with a WAL record of its
// own. A plain INSERT descends the primary key once, checking uniqueness on the way. On the
// benchmark's events, inserting the new ones plainly took PostgreSQL's CPU in the sink's own
// transaction from 7.0-8.3 us per event to 6.6-6.7 (README "What makes the sink fast").
//
// A plain INSERT is only right for an event not stored yet, and only the table knows. This filter
// answers for it without asking once it is complete: then it holds every identity the table held
// when the process started (load_known_identities) and every one the process has offered the
// table since, and a Bloom filter has no false negatives, so an identity it does not hold was not
// stored by this process nor before it started. Until then (the load runs beside the workers, so
// that a large table does not delay the start) the workers add what they offer but conflict-check
// every event. (An identity offered by a transaction that then rolled back stays in
// the filter: a false positive, which costs a conflict check, nothing more.) The sink inserts the
// events the filter does not hold plainly, the rest with ON CONFLICT DO NOTHING. The unique index
// still stands behind every plain insert: if another process stored such an event meanwhile, the
// insert fails with a unique violation, and SinkWriter redoes the whole batch with ON CONFLICT
// for every event. The filter can make the sink slower, never wrong.
//
// Thread-safety: every method may run concurrently from any threads. Bits are only ever set
// (relaxed atomic or), so a reader may miss a concurrent add, which only costs a conflict check
// or a redone batch, never correctness. mark_complete() publishes the loader's bits: a thread
// that sees complete() true sees every identity the loader added.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string_view>

#include <pqxx/pqxx>

namespace eventsink {

class KnownIdentities {
 public:
  // The consumer's default size (--known-identities-mib): about 6.7 million identities.
  static constexpr std::size_t kDefaultMib = 8;

  // A filter of about `bytes` bytes (rounded up to a power of two, at least 64).
  explicit KnownIdentities(std::size_t bytes);

  // Adds (topic, event_id). Returns true if the filter certainly did not hold it before: then
  // this is the first add of it since the filter was made, from any thread (two threads adding
  // one identity at the same moment may both see true).
  bool add(std::string_view topic, std::string_view event_id);

  // False only if (topic, event_id) was never added. True for every identity added, and for
  // about 1 % of the others while the filter holds no more than capacity() identities; past
  // that, for ever more of them (more conflict checks, never a wrong answer).
  bool may_contain(std::string_view topic, std::string_view event_id) const;

  // Whether the filter holds every identity the table held when the process started, so that an
  // identity it does not hold is certainly not stored (but by another process since: see above).
  // False from construction until the loader calls mark_complete(); a failed or abandoned load
  // leaves it false for good, and the filter is then never trusted.
  bool complete() const { return complete_.load(std::memory_order_acquire); }
  void mark_complete() { complete_.store(true, std::memory_order_release); }

  // How many identities the filter holds with about 1 % false positives: 10 bits each.
  std::size_t capacity() const { return blocks_ * kBitsPerBlock / 10; }
  std::size_t bytes() const { return blocks_ * kBlockBytes; }

 private:
  // A blocked Bloom filter: each identity sets kProbes bits within one block of one cache line,
  // so a lookup costs one cache miss instead of kProbes.
  static constexpr std::size_t kWordsPerBlock = 8;
  static constexpr std::size_t kBitsPerBlock = kWordsPerBlock * 64;
  static constexpr std::size_t kBlockBytes = kBitsPerBlock / 8;
  static constexpr int kProbes = 7;  // 7 bit positions of 9 bits each come from one 64-bit hash

  struct Probe {
    std::size_t block;
    std::uint64_t positions;  // kProbes fields of 9 bits: word (3 bits) and bit (6 bits)
  };
  Probe probe(std::string_view topic, std::string_view event_id) const;

  std::size_t blocks_;  // a power of two
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
  std::atomic<bool> complete_ = false;
};

// Adds every identity in `events` (the table on the connection's search_path) to `known`, read in
// pages along the primary key, and marks it complete. Returns false, leaving it incomplete, when
// the table holds more identities than the filter's capacity (pg_class's estimate, or the count
// read so far): its false positives would then send nearly every event through the conflict check
// anyway, after a long load. Returns false too when `stop` is requested, checked between pages.
// Rows committed by other processes while it reads may be missed; that costs a redone batch at
// most (see above). Throws pqxx exceptions.
bool load_known_identities(pqxx::connection& connection, KnownIdentities& known,
                           std::stop_token stop = {});

}  // namespace eventsink
