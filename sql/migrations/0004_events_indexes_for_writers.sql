-- events' indexes cost its writers as little as its readers allow.
--
-- Every row the sink inserts goes into each index of events: a descent, comparisons at every
-- level, a WAL record, and for a key that only grows, such as id, a last leaf page that every
-- concurrent writer wants at once. Measured in one session, 5,000-row batches of the benchmark's
-- rows alternated between two schemas (600,000 rows each, several runs), PostgreSQL's own insert
-- per row:
--
-- 1. events_id goes. There were three indexes: the primary key, which the writers need for
--    ON CONFLICT; events_topic_id (topic, id), which pages GET /events?topic=...; and events_id
--    (id), which only paged GET /events without a topic. That listing now takes each topic's
--    newest rows from events_topic_id and merges them (consumer/http/events_endpoint.cpp).
--    12.3-15.0 -> 11.5-14.1 us per row. id stays unique without the index: it is GENERATED ALWAYS
--    from its own sequence, and no statement of ours writes it.
--
-- 2. The primary key compares event_id first: (event_id, topic) instead of (topic, event_id).
--    It is the same identity and the same uniqueness, and ON CONFLICT (topic, event_id) still
--    finds it (the arbiter is the set of columns). But a topic is shared by many events, so every
--    comparison in the old order compared two equal topics before it reached the event_ids, and
--    then had to find event_id past a variable-length column. Writers sort a batch into the key's
--    order (staged_events in consumer/sink_writer.hpp), so with rows in that order:
--    11.4-11.8 -> 9.4-9.7 us per row.
--
-- Rebuilding the primary key takes an ACCESS EXCLUSIVE lock on events for as long as the build
-- lasts: on a large existing table, plan for that pause. Upgrade every consumer of the group
-- together: an older binary still sorts its batches the old way, which is only slower, but two
-- orders at once can make two workers' batches deadlock, which PostgreSQL detects and the worker
-- retries.
DROP INDEX IF EXISTS events_id;

ALTER TABLE events
    DROP CONSTRAINT events_pkey,
    ADD CONSTRAINT events_pkey PRIMARY KEY (event_id, topic);
