-- Initial schema of the exactly-once-effect sink.
--
-- The consumer applies this file at start, inside a transaction that holds an advisory lock, so
-- several workers starting together apply it once. Every name is unqualified: the tables are
-- created in the first schema on the connection's search_path (tests give each test its own).

-- One row per distinct event. (topic, event_id) is the event's identity: the first record to
-- arrive wins, later records with the same identity are duplicates and change nothing here.
CREATE TABLE events (
    id              bigint GENERATED ALWAYS AS IDENTITY,  -- insertion order, for cursor paging
    topic           text        NOT NULL,
    event_id        text        NOT NULL,
    event_time      timestamptz NOT NULL,
    source          text        NOT NULL,
    payload         jsonb       NOT NULL,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    processed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, event_id),
    CONSTRAINT events_payload_is_object CHECK (jsonb_typeof(payload) = 'object')
);
CREATE UNIQUE INDEX events_id ON events (id);
CREATE INDEX events_topic_id ON events (topic, id);

-- Per event topic: every valid record counted once (received), split into the first sighting of
-- an identity (unique_events) and later sightings (duplicates). Updated in the same transaction
-- that inserts the events and advances the partition offsets, so it is never ahead or behind.
CREATE TABLE topic_stats (
    topic         text        PRIMARY KEY,
    received      bigint      NOT NULL DEFAULT 0,
    unique_events bigint      NOT NULL DEFAULT 0,
    duplicates    bigint      NOT NULL DEFAULT 0,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    last_seen     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT topic_stats_balance CHECK (received = unique_events + duplicates)
);

-- The source of truth for consumer positions. next_offset is the offset of the next record to
-- process (NULL until the first batch of a newly claimed partition commits). owner_epoch is the
-- fencing token: a worker that is assigned the partition bumps it, and a batch may advance
-- next_offset only while the epoch and the offset are still the ones the worker last saw.
CREATE TABLE partition_offsets (
    consumer_group  text        NOT NULL,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    next_offset     bigint,
    owner_epoch     bigint      NOT NULL DEFAULT 0,
    owner           text        NOT NULL DEFAULT '',
    claimed_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, kafka_topic, kafka_partition),
    CONSTRAINT partition_offsets_offset_nonnegative CHECK (next_offset IS NULL OR next_offset >= 0)
);

-- Records that are not valid events, kept byte for byte with where they came from and why.
-- Unique on the Kafka coordinates so a redelivered bad record is stored once.
CREATE TABLE dead_letters (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    record_key      bytea,
    record_value    bytea,
    reason_code     text        NOT NULL,
    reason          text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
