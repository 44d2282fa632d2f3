// The filter of stored identities: never a false "not stored", few false "maybe stored".
#include "consumer/known_identities.hpp"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace eventsink {
namespace {

std::string id(std::size_t i) {
  return "0b7c" + std::to_string(i * 7919) + "-event-" + std::to_string(i);
}

TEST(KnownIdentities, HoldsEveryIdentityAdded) {
  KnownIdentities known(64 * 1024);
  for (std::size_t i = 0; i < known.capacity(); ++i) {
    known.add("order.created", id(i));
  }
  for (std::size_t i = 0; i < known.capacity(); ++i) {
    ASSERT_TRUE(known.may_contain("order.created", id(i))) << id(i);
  }
}

TEST(KnownIdentities, AddTellsWhetherTheIdentityWasCertainlyNotHeld) {
  KnownIdentities known(64 * 1024);
  EXPECT_TRUE(known.add("order.created", "a"));
  EXPECT_FALSE(known.add("order.created", "a"));
  EXPECT_TRUE(known.add("order.created", "b"));
  EXPECT_TRUE(known.add("user.login", "a"));
  EXPECT_FALSE(known.add("order.created", "b"));
}

TEST(KnownIdentities, FalsePositivesStayNearOnePercentUpToCapacity) {
  KnownIdentities known(64 * 1024);
  for (std::size_t i = 0; i < known.capacity(); ++i) {
    known.add("order.created", id(i));
  }
  constexpr std::size_t kProbes = 100'000;
  std::size_t false_positives = 0;
  for (std::size_t i = 0; i < kProbes; ++i) {
    false_positives += known.may_contain("order.created", "never-added-" + std::to_string(i));
  }
  EXPECT_LT(false_positives, kProbes * 2 / 100) << "of " << kProbes;
}

TEST(KnownIdentities, TheTopicIsPartOfTheIdentity) {
  KnownIdentities known(64 * 1024);
  known.add("user.login", "shared-id");
  EXPECT_TRUE(known.may_contain("user.login", "shared-id"));
  EXPECT_FALSE(known.may_contain("payment.settled", "shared-id"));
  EXPECT_FALSE(known.may_contain("shared-id", "user.login"));
  EXPECT_FALSE(known.may_contain("user.login", "other-id"));
}

TEST(KnownIdentities, SizeIsAPowerOfTwoOfAtLeastOneBlock) {
  EXPECT_EQ(KnownIdentities(0).bytes(), 64u);
  EXPECT_EQ(KnownIdentities(1000).bytes(), 1024u);
  EXPECT_EQ(KnownIdentities(65).bytes(), 128u);
  EXPECT_EQ(KnownIdentities(8 << 20).bytes(), std::size_t{8} << 20);
  EXPECT_EQ(KnownIdentities(8 << 20).capacity(), (std::size_t{8} << 20) * 8 / 10);
}

// Only a loaded filter may be trusted (SinkWriter asks complete()): adding identities, as the
// workers do while it loads, does not complete it.
TEST(KnownIdentities, IsCompleteOnlyOnceMarked) {
  KnownIdentities known(1024);
  EXPECT_FALSE(known.complete());
  known.add("order.created", "o-1");
  EXPECT_FALSE(known.complete());
  known.mark_complete();
  EXPECT_TRUE(known.complete());
}

// Workers of one process share the filter: adds and lookups from several threads at once (the
// sanitizer build's TSan run checks the synchronisation).
TEST(KnownIdentities, ThreadsAddAndLookUpConcurrently) {
  KnownIdentities known(256 * 1024);
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kEach = 20'000;
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&known, t] {
        for (std::size_t i = t * kEach; i < (t + 1) * kEach; ++i) {
          known.add("order.created", id(i));
          (void)known.may_contain("order.created", id(i + kEach));
        }
      });
    }
  }
  for (std::size_t i = 0; i < kThreads * kEach; ++i) {
    ASSERT_TRUE(known.may_contain("order.created", id(i))) << id(i);
  }
}

}  // namespace
}  // namespace eventsink
