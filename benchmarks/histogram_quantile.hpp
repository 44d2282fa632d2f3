// Quantiles of a Prometheus histogram, read from the text exposition format (GET /metrics).
//
// The benchmark reads end-to-end latency from the consumer's own histogram
// (eventsink_consumer_end_to_end_seconds), so its quantiles are estimated the way Prometheus's
// histogram_quantile() does: find the bucket the rank falls in and interpolate linearly within
// it. The estimate is therefore exact only to within its bucket's width.
#pragma once

#include <string_view>
#include <vector>

namespace eventsink::bench {

struct HistogramBucket {
  double upper_bound = 0;  // "le"; +Inf for the last
  double cumulative_count = 0;
};

// The buckets of histogram `name` (the family name, without "_bucket"), summed over every series
// of the family, in increasing upper bound. Empty when the exposition does not have it.
std::vector<HistogramBucket> histogram_buckets(std::string_view exposition, std::string_view name);

// The observations made between two expositions of the same histogram by the same process:
// `later` minus `earlier`, bucket by bucket, as PromQL's increase() gives them to
// histogram_quantile(). A bound `earlier` lacks counts from zero. Throws std::invalid_argument
// when a count went down (the process restarted in between, or the order is reversed).
std::vector<HistogramBucket> histogram_increase(const std::vector<HistogramBucket>& later,
                                                const std::vector<HistogramBucket>& earlier);

// The q-quantile (0 <= q <= 1) as PromQL's histogram_quantile computes it. NaN without
// observations; the highest finite bound when the rank falls in the +Inf bucket.
double histogram_quantile(double q, const std::vector<HistogramBucket>& buckets);

// The share (0 to 1) of observations at most `bound`, exact when `bound` is a bucket's upper
// bound (else that of the largest bucket bound below it). NaN without observations.
double histogram_share_at_most(double bound, const std::vector<HistogramBucket>& buckets);

}  // namespace eventsink::bench
