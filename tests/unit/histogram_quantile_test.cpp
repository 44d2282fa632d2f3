#include "benchmarks/histogram_quantile.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>

namespace eventsink::bench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Two series of one family, as a consumer with labelled histograms would expose them, plus a
// family whose name starts the same way.
constexpr const char* kExposition = R"(# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{worker="0",le="0.01"} 10
latency_seconds_bucket{worker="0",le="0.1"} 90
latency_seconds_bucket{worker="0",le="+Inf"} 100
latency_seconds_bucket{worker="1",le="0.01"} 0
latency_seconds_bucket{worker="1",le="0.1"} 0
latency_seconds_bucket{worker="1",le="+Inf"} 100
latency_seconds_sum 12.5
latency_seconds_count 200
latency_seconds_total_bucket{le="+Inf"} 7
)";

TEST(HistogramBuckets, SumsTheSeriesOfTheFamilyByBound) {
  const auto buckets = histogram_buckets(kExposition, "latency_seconds");
  ASSERT_EQ(buckets.size(), 3U);
  EXPECT_DOUBLE_EQ(buckets[0].upper_bound, 0.01);
  EXPECT_DOUBLE_EQ(buckets[0].cumulative_count, 10);
  EXPECT_DOUBLE_EQ(buckets[1].cumulative_count, 90);
  EXPECT_EQ(buckets[2].upper_bound, kInf);
  EXPECT_DOUBLE_EQ(buckets[2].cumulative_count, 200);
}

TEST(HistogramBuckets, IsEmptyForAFamilyTheExpositionLacks) {
  EXPECT_TRUE(histogram_buckets(kExposition, "other_seconds").empty());
}

TEST(HistogramQuantile, InterpolatesWithinTheBucketTheRankFallsIn) {
  const std::vector<HistogramBucket> buckets = {{0.01, 50}, {0.1, 150}, {kInf, 200}};
  EXPECT_DOUBLE_EQ(histogram_quantile(0.25, buckets), 0.01);  // rank 50: top of the first
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, buckets), 0.01 + 0.09 * 50 / 100);
}

TEST(HistogramQuantile, AnswersTheHighestFiniteBoundForTheInfiniteBucket) {
  const std::vector<HistogramBucket> buckets = {{0.01, 50}, {0.1, 150}, {kInf, 200}};
  EXPECT_DOUBLE_EQ(histogram_quantile(0.99, buckets), 0.1);
}

TEST(HistogramQuantile, IsNaNWithoutObservations) {
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {})));
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{0.01, 0}, {kInf, 0}})));
}

TEST(HistogramShareAtMost, CountsTheBucketsUpToTheBound) {
  const std::vector<HistogramBucket> buckets = {{0.01, 50}, {0.1, 150}, {kInf, 200}};
  EXPECT_DOUBLE_EQ(histogram_share_at_most(0.1, buckets), 0.75);
  EXPECT_DOUBLE_EQ(histogram_share_at_most(0.05, buckets), 0.25);  // the bound below it
}

TEST(HistogramIncrease, KeepsOnlyTheObservationsMadeBetweenTheTwo) {
  // The first 100 observations were slow (a start), the next 100 fast.
  const std::vector<HistogramBucket> earlier = {{0.01, 0}, {0.1, 0}, {kInf, 100}};
  const std::vector<HistogramBucket> later = {{0.01, 60}, {0.1, 100}, {kInf, 200}};
  const auto increase = histogram_increase(later, earlier);
  ASSERT_EQ(increase.size(), 3U);
  EXPECT_DOUBLE_EQ(increase[0].cumulative_count, 60);
  EXPECT_DOUBLE_EQ(increase[1].cumulative_count, 100);
  EXPECT_DOUBLE_EQ(increase[2].cumulative_count, 100);
  EXPECT_DOUBLE_EQ(histogram_quantile(0.99, later), 0.1);  // the whole run: in the +Inf bucket
  EXPECT_LT(histogram_quantile(0.99, increase), 0.1);      // after the start: fast
}

TEST(HistogramIncrease, CountsABoundTheEarlierExpositionLacksFromZero) {
  const auto increase = histogram_increase({{0.01, 5}, {kInf, 8}}, {});
  ASSERT_EQ(increase.size(), 2U);
  EXPECT_DOUBLE_EQ(increase[0].cumulative_count, 5);
  EXPECT_DOUBLE_EQ(increase[1].cumulative_count, 8);
}

TEST(HistogramIncrease, RefusesACountThatWentDown) {
  EXPECT_THROW(histogram_increase({{0.01, 5}, {kInf, 8}}, {{0.01, 6}, {kInf, 9}}),
               std::invalid_argument);
}

}  // namespace
}  // namespace eventsink::bench
