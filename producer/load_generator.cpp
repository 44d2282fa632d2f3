#include "producer/load_generator.hpp"

#include <algorithm>
#include <stdexcept>

#include "producer/synthetic_payloads.hpp"

namespace eventsink {
namespace {

// How far back a "recent" repeat reaches, and the share of repeats that stay that recent.
constexpr std::uint64_t kRecentWindow = 1000;
constexpr double kRecentShare = 0.7;

// "3f1c9a2e-7b4d-4c81-9e2f-0a6b5d4c3e21": 128 random bits in the UUID version 4 layout.
std::string uuid(SplitMix64& random) {
  std::uint64_t high = random();
  std::uint64_t low = random();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  std::string text;
  text.reserve(36);
  auto append_hex = [&text](std::uint64_t bits, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      text += "0123456789abcdef"[(bits >> shift) & 0xf];
    }
  };
  append_hex(high >> 32, 8);
  text += '-';
  append_hex(high >> 16, 4);
  text += '-';
  append_hex(high, 4);
  text += '-';
  append_hex(low >> 48, 4);
  text += '-';
  append_hex(low, 12);
  return text;
}

void check_names(const std::vector<std::string>& names, const char* what) {
  if (names.empty()) {
    throw std::invalid_argument(std::string("no ") + what + " given");
  }
  if (std::any_of(names.begin(), names.end(), [](const auto& name) { return name.empty(); })) {
    throw std::invalid_argument(std::string("an empty name among the ") + what);
  }
}

}  // namespace

LoadGenerator::LoadGenerator(LoadSettings settings)
    : settings_(std::move(settings)), random_(SplitMix64::mix(settings_.seed)) {
  check_names(settings_.topics, "topics");
  check_names(settings_.sources, "sources");
  if (!(settings_.duplicate_ratio >= 0.0 && settings_.duplicate_ratio <= 1.0)) {
    throw std::invalid_argument("the duplicate ratio must be between 0 and 1");
  }
}

GeneratedEvent LoadGenerator::next() {
  ++records_;
  // unit() < 1.0 always, so a ratio of 1 makes every record after the first a repeat.
  if (new_events_ > 0 && random_.unit() < settings_.duplicate_ratio) {
    return repeat_earlier_event();
  }
  return GeneratedEvent{.event = new_event(new_events_++, 0), .duplicate = false};
}

GeneratedEvent LoadGenerator::repeat_earlier_event() {
  std::uint64_t index = 0;
  if (random_.unit() < kRecentShare) {
    const std::uint64_t window = std::min(new_events_, kRecentWindow);
    index = new_events_ - 1 - random_.below(window);
  } else {
    index = random_.below(new_events_);
  }
  const std::uint64_t variant = random_.below(3);
  const int revision = variant == 2 ? static_cast<int>(1 + random_.below(3)) : 0;
  Event event = new_event(index, revision);
  if (variant != 0) {
    event.timestamp += std::chrono::seconds(1 + random_.below(300)) +
                       std::chrono::microseconds(random_.below(1'000'000));
  }
  return GeneratedEvent{.event = std::move(event), .duplicate = true};
}

Event LoadGenerator::new_event(std::uint64_t index, int revision) const {
  // Its own stream, derived from (seed, index): a repeat regenerates the event instead of the
  // generator remembering every event it made.
  SplitMix64 random(SplitMix64::mix(settings_.seed ^ SplitMix64::mix(index + 1)));
  Event event;
  event.topic = settings_.topics[random.below(settings_.topics.size())];
  event.event_id = uuid(random);
  event.source = settings_.sources[random.below(settings_.sources.size())];
  const auto spacing = std::max<std::int64_t>(1, settings_.spacing.count());
  event.timestamp = settings_.start + std::chrono::microseconds(spacing * std::int64_t(index)) +
                    std::chrono::microseconds(random.below(std::uint64_t(spacing)));
  event.payload_json = synthetic_payload(event.topic, random, revision);
  return event;
}

}  // namespace eventsink
