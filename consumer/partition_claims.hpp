// Claiming partitions in PostgreSQL when Kafka assigns them to a worker.
//
// Kafka's group protocol decides who should consume a partition; PostgreSQL decides who may write
// for it. A claim bumps the partition's owner_epoch and returns the stored next offset, where the
// new owner resumes. Any worker still holding an older epoch (a zombie: paused, cut off, or
// simply slow to notice the rebalance) can no longer advance the offset, so its batch rolls back.
//
// Thread-safety: a PartitionClaims uses one connection and belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "consumer/topic_partition.hpp"

namespace eventsink {

struct Claim {
  TopicPartition tp;
  std::int64_t epoch = 0;
  std::optional<std::int64_t> stored_next;  // nullopt: never committed; Kafka decides the start
};

class PartitionClaims {
 public:
  // `connection` must outlive this object.
  PartitionClaims(pqxx::connection& connection, std::string consumer_group, std::string owner);

  // Claims every partition in one transaction, in key order (the lock order shared with batch
  // transactions). Throws pqxx exceptions on database trouble; nothing is claimed then.
  std::vector<Claim> claim(std::vector<TopicPartition> partitions);

 private:
  pqxx::connection& connection_;
  std::string consumer_group_;
  std::string owner_;
};

}  // namespace eventsink
