// The synthetic load's promises: valid events, the requested duplicate share, duplicates that
// repeat earlier identities, and the same sequence for the same seed.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include <gtest/gtest.h>

#include "common/event.hpp"
#include "producer/load_generator.hpp"

namespace eventsink {
namespace {

using Identity = std::pair<std::string, std::string>;

LoadSettings settings(std::uint64_t seed, double duplicate_ratio) {
  return LoadSettings{.seed = seed,
                      .duplicate_ratio = duplicate_ratio,
                      .topics = {"order.created", "user.login", "payment.settled", "audit.entry"},
                      .sources = {"web", "ios"},
                      .start = EventTime(std::chrono::seconds(1'700'000'000)),
                      .spacing = std::chrono::milliseconds(1)};
}

TEST(ProducerLoadGenerator, DuplicateShareIsCloseToTheRatio) {
  for (const double ratio : {0.0, 0.1, 0.3, 0.75}) {
    LoadGenerator generator(settings(11, ratio));
    constexpr int kRecords = 50'000;
    int duplicates = 0;
    for (int i = 0; i < kRecords; ++i) {
      duplicates += generator.next().duplicate ? 1 : 0;
    }
    EXPECT_NEAR(double(duplicates) / kRecords, ratio, 0.01) << "ratio " << ratio;
    EXPECT_EQ(generator.records(), std::uint64_t(kRecords));
    EXPECT_EQ(generator.new_events(), std::uint64_t(kRecords - duplicates));
  }
}

TEST(ProducerLoadGenerator, ADuplicateRepeatsAnEarlierIdentityAndANewEventNeverDoes) {
  LoadGenerator generator(settings(5, 0.4));
  std::set<Identity> seen;
  for (int i = 0; i < 20'000; ++i) {
    const GeneratedEvent generated = generator.next();
    const Identity identity{generated.event.topic, generated.event.event_id};
    const bool known = seen.count(identity) > 0;
    ASSERT_EQ(known, generated.duplicate)
        << "record " << i << ": " << identity.first << "/" << identity.second;
    seen.insert(identity);
  }
}

TEST(ProducerLoadGenerator, DuplicatesAreExactCopiesOrCopiesWithAnotherTimestampOrPayload) {
  LoadGenerator generator(settings(3, 0.5));
  std::map<Identity, Event> first;
  int exact = 0;
  int later_timestamp = 0;
  int edited_payload = 0;
  for (int i = 0; i < 10'000; ++i) {
    GeneratedEvent generated = generator.next();
    const Identity identity{generated.event.topic, generated.event.event_id};
    if (!generated.duplicate) {
      first.emplace(identity, std::move(generated.event));
      continue;
    }
    const Event& original = first.at(identity);
    EXPECT_EQ(generated.event.source, original.source) << "same event, same source";
    if (generated.event.payload_json != original.payload_json) {
      ++edited_payload;
      EXPECT_NE(generated.event.payload_json.find("\"revision\":"), std::string::npos);
    } else if (generated.event.timestamp != original.timestamp) {
      ++later_timestamp;
      EXPECT_GT(generated.event.timestamp, original.timestamp);
    } else {
      ++exact;
      EXPECT_EQ(to_json(generated.event), to_json(original));
    }
  }
  EXPECT_GT(exact, 1000);
  EXPECT_GT(later_timestamp, 1000);
  EXPECT_GT(edited_payload, 1000);
}

TEST(ProducerLoadGenerator, TheSameSeedGivesTheSameSequenceAndAnotherSeedAnotherOne) {
  LoadGenerator first(settings(42, 0.3));
  LoadGenerator second(settings(42, 0.3));
  LoadGenerator other(settings(43, 0.3));
  std::set<std::string> ids_42;
  std::set<std::string> ids_43;
  for (int i = 0; i < 5'000; ++i) {
    const GeneratedEvent a = first.next();
    const GeneratedEvent b = second.next();
    ASSERT_EQ(to_json(a.event), to_json(b.event)) << "record " << i;
    ASSERT_EQ(a.duplicate, b.duplicate);
    ids_42.insert(a.event.event_id);
    ids_43.insert(other.next().event.event_id);
  }
  for (const auto& id : ids_43) {
    EXPECT_EQ(ids_42.count(id), 0u) << "seeds 42 and 43 share event_id " << id;
  }
}

TEST(ProducerLoadGenerator, EveryRecordIsAValidEventWithARealisticSmallPayload) {
  LoadGenerator generator(settings(9, 0.3));
  EventParser parser;
  std::map<std::string, int> topics;
  std::map<std::string, int> sources;
  std::size_t payload_bytes = 0;
  constexpr int kRecords = 5'000;
  for (int i = 0; i < kRecords; ++i) {
    const Event event = generator.next().event;
    const std::string json = to_json(event);
    const ParseOutcome outcome = parser.parse(json);
    ASSERT_TRUE(std::holds_alternative<Event>(outcome))
        << json << ": " << std::get<Rejection>(outcome).describe();
    const Event& parsed = std::get<Event>(outcome);
    EXPECT_EQ(parsed.topic, event.topic);
    EXPECT_EQ(parsed.event_id, event.event_id);
    EXPECT_EQ(parsed.timestamp, event.timestamp);
    ASSERT_EQ(event.event_id.size(), 36u) << "a UUID: " << event.event_id;
    EXPECT_EQ(event.event_id[14], '4') << "UUID version 4 layout";
    ++topics[event.topic];
    ++sources[event.source];
    payload_bytes += event.payload_json.size();
    EXPECT_LT(event.payload_json.size(), 260u) << event.payload_json;
  }
  const double average = double(payload_bytes) / kRecords;
  EXPECT_GT(average, 140);
  EXPECT_LT(average, 220);
  EXPECT_EQ(topics.size(), 4u) << "every configured topic appears";
  EXPECT_EQ(sources.size(), 2u) << "every configured source appears";
  for (const auto& [topic, count] : topics) {
    EXPECT_GT(count, kRecords / 8) << topic << " is drawn about evenly";
  }
}

TEST(ProducerLoadGenerator, NewEventsAreSpacedInTimeFromTheStart) {
  LoadGenerator generator(settings(8, 0.3));
  const EventTime start = settings(8, 0.3).start;
  std::uint64_t index = 0;
  for (int i = 0; i < 1000; ++i) {
    const GeneratedEvent generated = generator.next();
    if (generated.duplicate) {
      continue;
    }
    EXPECT_GE(generated.event.timestamp, start + std::chrono::milliseconds(index));
    EXPECT_LT(generated.event.timestamp, start + std::chrono::milliseconds(index + 1));
    ++index;
  }
}

TEST(ProducerLoadGenerator, FirstRecordIsNewEvenWhenEveryRecordShouldRepeat) {
  LoadGenerator generator(settings(1, 1.0));
  EXPECT_FALSE(generator.next().duplicate);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(generator.next().duplicate);
  }
}

TEST(ProducerLoadGenerator, RefusesUnusableSettings) {
  auto bad = settings(1, 0.3);
  bad.topics.clear();
  EXPECT_THROW(LoadGenerator{bad}, std::invalid_argument);
  bad = settings(1, 0.3);
  bad.sources = {"web", ""};
  EXPECT_THROW(LoadGenerator{bad}, std::invalid_argument);
  EXPECT_THROW(LoadGenerator{settings(1, 1.5)}, std::invalid_argument);
  EXPECT_THROW(LoadGenerator{settings(1, -0.1)}, std::invalid_argument);
}

}  // namespace
}  // namespace eventsink
