#include "consumer/partition_claims.hpp"

#include <algorithm>
#include <utility>

namespace eventsink {
namespace {

constexpr const char* kClaim = R"sql(
INSERT INTO partition_offsets AS p (consumer_group, kafka_topic, kafka_partition, owner_epoch, owner)
VALUES ($1, $2, $3, 1, $4)
ON CONFLICT (consumer_group, kafka_topic, kafka_partition) DO UPDATE
   SET owner_epoch = p.owner_epoch + 1, owner = excluded.owner, claimed_at = now()
RETURNING owner_epoch, next_offset
)sql";

}  // namespace

PartitionClaims::PartitionClaims(pqxx::connection& connection, std::string consumer_group,
                                 std::string owner)
    : connection_(connection),
      consumer_group_(std::move(consumer_group)),
      owner_(std::move(owner)) {
  connection_.prepare("eventsink_claim_partition", kClaim);
}

std::vector<Claim> PartitionClaims::claim(std::vector<TopicPartition> partitions) {
  std::sort(partitions.begin(), partitions.end());
  std::vector<Claim> claims;
  claims.reserve(partitions.size());
  pqxx::work tx(connection_);
  for (auto& tp : partitions) {
    const auto row = tx.exec_prepared1("eventsink_claim_partition", consumer_group_, tp.topic,
                                       tp.partition, owner_);
    Claim claim{.tp = std::move(tp), .epoch = row[0].as<std::int64_t>(), .stored_next = {}};
    if (!row[1].is_null()) {
      claim.stored_next = row[1].as<std::int64_t>();
    }
    claims.push_back(std::move(claim));
  }
  tx.commit();
  return claims;
}

}  // namespace eventsink
