#include "consumer/known_identities.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <functional>
#include <string>

#include <spdlog/spdlog.h>

namespace eventsink {

namespace {

// splitmix64's finalizer: spreads every input bit over the whole word.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr int kPositionBits = 9;  // 3 bits of word within the block, 6 bits of bit within the word

// Pages of the load, along the primary key (event_id, topic): each page one index range scan.
constexpr const char* kFirstPage =
    "SELECT event_id, topic FROM events ORDER BY event_id, topic LIMIT $1";
constexpr const char* kNextPage =
    "SELECT event_id, topic FROM events WHERE (event_id, topic) > ($2, $3) "
    "ORDER BY event_id, topic LIMIT $1";
constexpr int kPageRows = 50000;

std::string size_text(std::size_t bytes) {
  return bytes >= (1 << 20)   ? std::to_string(bytes >> 20) + " MiB"
         : bytes >= (1 << 10) ? std::to_string(bytes >> 10) + " KiB"
                              : std::to_string(bytes) + " bytes";
}

}  // namespace

KnownIdentities::KnownIdentities(std::size_t bytes)
    : blocks_(std::bit_ceil(std::max<std::size_t>(1, (bytes + kBlockBytes - 1) / kBlockBytes))),
      words_(std::make_unique<std::atomic<std::uint64_t>[]>(blocks_ * kWordsPerBlock)) {}

KnownIdentities::Probe KnownIdentities::probe(std::string_view topic,
                                              std::string_view event_id) const {
  const std::hash<std::string_view> hash;
  const std::uint64_t identity = mix(hash(event_id) ^ mix(hash(topic) + 0x9e3779b97f4a7c15ULL));
  return Probe{.block = static_cast<std::size_t>(identity) & (blocks_ - 1),
               .positions = mix(identity ^ 0x2545f4914f6cdd1dULL)};
}

bool KnownIdentities::add(std::string_view topic, std::string_view event_id) {
  auto [block, positions] = probe(topic, event_id);
  std::atomic<std::uint64_t>* words = &words_[block * kWordsPerBlock];
  bool absent = false;
  for (int i = 0; i < kProbes; ++i, positions >>= kPositionBits) {
    const auto bit = std::uint64_t{1} << (positions & 63);
    absent |= (words[(positions >> 6) & 7].fetch_or(bit, std::memory_order_relaxed) & bit) == 0;
  }
  return absent;
}

bool KnownIdentities::may_contain(std::string_view topic, std::string_view event_id) const {
  auto [block, positions] = probe(topic, event_id);
  const std::atomic<std::uint64_t>* words = &words_[block * kWordsPerBlock];
  for (int i = 0; i < kProbes; ++i, positions >>= kPositionBits) {
    const auto bit = std::uint64_t{1} << (positions & 63);
    if ((words[(positions >> 6) & 7].load(std::memory_order_relaxed) & bit) == 0) {
      return false;
    }
  }
  return true;
}

bool load_known_identities(pqxx::connection& connection, KnownIdentities& known,
                           std::stop_token stop) {
  const auto began = std::chrono::steady_clock::now();
  pqxx::read_transaction tx(connection);
  const auto estimate =
      tx.exec1(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'events'::regclass")[0]
          .as<std::int64_t>();
  const auto too_many = [&](const std::string& identities) {
    spdlog::warn(
        "events holds {} identities, more than a filter of {} serves ({}): every event is "
        "conflict-checked (--known-identities-mib)",
        identities, size_text(known.bytes()), known.capacity());
    return false;
  };
  if (static_cast<std::size_t>(estimate) > known.capacity()) {
    return too_many("about " + std::to_string(estimate));
  }
  const auto text = [](const pqxx::field& field) {
    return std::string_view(field.c_str(), field.size());
  };
  std::size_t loaded = 0;
  pqxx::result page = tx.exec_params(kFirstPage, kPageRows);
  while (!page.empty()) {
    for (const auto& row : page) {
      known.add(text(row[1]), text(row[0]));
    }
    loaded += page.size();
    if (loaded > known.capacity()) {  // the estimate was stale (a table not analyzed yet)
      return too_many("over " + std::to_string(known.capacity()));
    }
    if (stop.stop_requested()) {
      return false;
    }
    const auto& last = page[page.size() - 1];
    page =
        tx.exec_params(kNextPage, kPageRows, last[0].as<std::string>(), last[1].as<std::string>());
  }
  known.mark_complete();
  spdlog::info("known identities: {} loaded from events in {} ms into a filter of {}", loaded,
               std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - began)
                   .count(),
               size_text(known.bytes()));
  return true;
}

}  // namespace eventsink
