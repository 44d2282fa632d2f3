-- A topic's statistics are the sum of rows the workers add to separately.
--
-- Every batch adds its counts to its topic's statistics in the transaction that inserts its events.
-- With one row per topic, that row was the sink's hot spot: a transaction holds the row's lock
-- from its update to the end of its commit, WAL flush included, so the workers' commits queued
-- behind one another. With 4 workers at 10,000 events/s, backends spent about a quarter of their
-- active time waiting on another transaction (Lock:transactionid), and a slow WAL flush stalled
-- every worker at once.
--
-- Now a batch adds to the row (topic, shard) where shard is the lowest Kafka partition it holds.
-- Workers own disjoint partitions, so their batches add to different rows. The shard is only a
-- key that keeps writers apart: no reader should give it a meaning. The statistics are the sums,
-- which topic_stats, now a view, gives under its old name and columns.
CREATE TABLE topic_stats_shards (
    topic         text COLLATE "C" NOT NULL,
    shard         integer     NOT NULL,
    received      bigint      NOT NULL DEFAULT 0,
    unique_events bigint      NOT NULL DEFAULT 0,
    duplicates    bigint      NOT NULL DEFAULT 0,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, shard),
    CONSTRAINT topic_stats_shards_balance CHECK (received = unique_events + duplicates)
);

-- The counts so far become each topic's shard 0. The migration runs under the consumers' advisory
-- lock, in one transaction; a writer still running an older binary would fail on the view and
-- retry, so upgrade every consumer of the group together.
INSERT INTO topic_stats_shards (topic, shard, received, unique_events, duplicates, first_seen,
                                last_seen)
SELECT topic, 0, received, unique_events, duplicates, first_seen, last_seen FROM topic_stats;

DROP TABLE topic_stats;

CREATE VIEW topic_stats AS
SELECT topic,
       sum(received)::bigint      AS received,
       sum(unique_events)::bigint AS unique_events,
       sum(duplicates)::bigint    AS duplicates,
       min(first_seen)            AS first_seen,
       max(last_seen)             AS last_seen
  FROM topic_stats_shards
 GROUP BY topic;
