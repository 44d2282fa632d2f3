#include "benchmarks/histogram_quantile.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

namespace eventsink::bench {
namespace {

double parse_bound(std::string_view text) {
  if (text == "+Inf") {
    return std::numeric_limits<double>::infinity();
  }
  return std::stod(std::string(text));
}

}  // namespace

std::vector<HistogramBucket> histogram_buckets(std::string_view exposition, std::string_view name) {
  const std::string prefix = std::string(name) + "_bucket{";
  std::map<double, double> counts;  // upper bound -> cumulative count, summed over series
  std::size_t line_start = 0;
  while (line_start < exposition.size()) {
    auto line_end = exposition.find('\n', line_start);
    if (line_end == std::string_view::npos) {
      line_end = exposition.size();
    }
    const auto line = exposition.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.starts_with(prefix)) {
      continue;
    }
    // NAME_bucket{...,le="0.05",...} 1234
    const auto le = line.find("le=\"");
    const auto labels_end = line.rfind('}');
    if (le == std::string_view::npos || labels_end == std::string_view::npos) {
      continue;
    }
    const auto bound_start = le + 4;
    const auto bound_end = line.find('"', bound_start);
    const auto value = line.substr(labels_end + 1);
    counts[parse_bound(line.substr(bound_start, bound_end - bound_start))] +=
        std::stod(std::string(value));
  }
  std::vector<HistogramBucket> buckets;
  for (const auto& [bound, count] : counts) {
    buckets.push_back({bound, count});
  }
  return buckets;
}

std::vector<HistogramBucket> histogram_increase(const std::vector<HistogramBucket>& later,
                                                const std::vector<HistogramBucket>& earlier) {
  std::vector<HistogramBucket> increase;
  increase.reserve(later.size());
  for (const auto& bucket : later) {
    const auto before = std::find_if(earlier.begin(), earlier.end(), [&](const HistogramBucket& b) {
      return b.upper_bound == bucket.upper_bound;
    });
    const double count_before = before == earlier.end() ? 0 : before->cumulative_count;
    if (bucket.cumulative_count < count_before) {
      throw std::invalid_argument("a histogram count went down between two expositions");
    }
    increase.push_back({bucket.upper_bound, bucket.cumulative_count - count_before});
  }
  return increase;
}

double histogram_quantile(double q, const std::vector<HistogramBucket>& buckets) {
  if (buckets.empty() || buckets.back().cumulative_count <= 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  const double rank = q * buckets.back().cumulative_count;
  const auto bucket = std::find_if(buckets.begin(), buckets.end(), [&](const HistogramBucket& b) {
    return b.cumulative_count >= rank;
  });
  if (std::isinf(bucket->upper_bound)) {
    return buckets.size() > 1 ? std::prev(bucket)->upper_bound
                              : std::numeric_limits<double>::quiet_NaN();
  }
  const double lower_bound = bucket == buckets.begin() ? 0 : std::prev(bucket)->upper_bound;
  const double below = bucket == buckets.begin() ? 0 : std::prev(bucket)->cumulative_count;
  const double in_bucket = bucket->cumulative_count - below;
  if (in_bucket <= 0) {
    return bucket->upper_bound;
  }
  return lower_bound + (bucket->upper_bound - lower_bound) * (rank - below) / in_bucket;
}

double histogram_share_at_most(double bound, const std::vector<HistogramBucket>& buckets) {
  if (buckets.empty() || buckets.back().cumulative_count <= 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double at_most = 0;
  for (const auto& bucket : buckets) {
    if (bucket.upper_bound <= bound) {
      at_most = bucket.cumulative_count;
    }
  }
  return at_most / buckets.back().cumulative_count;
}

}  // namespace eventsink::bench
