#!/usr/bin/env bash
# CTest "benchmark_short_run" (label bench): scripts/benchmark.sh end to end on 20,000 events,
# every measurement included (the peer too, in both configurations), in two rounds, against the local stack. Checks that
# the outputs exist, each round's and the run's, and that the numbers are whole: each sink run, in
# every round, counted exactly what the producer's ledger says and stored exactly the ceiling's
# rows, and the local broker's CPU was measured for every run that reads the topic. It does not
# judge the throughput: two minutes on a shared machine say nothing reliable about that.
#
# Usage: benchmark_short_run_test.sh BUILD_DIR   (the build tree holding the three binaries)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir="${1:?usage: benchmark_short_run_test.sh BUILD_DIR}"
out="$(mktemp -d "${TMPDIR:-/tmp}/eventsink-bench-test.XXXXXX")"
trap 'rm -rf "$out"' EXIT

scripts/benchmark.sh --build-dir "$build_dir" --out "$out" --events 20000 --workers "1 2" \
  --latency-seconds 3 --rounds 2

fail() { echo "FAILED: $*" >&2; exit 1; }
for file in results.json table.txt throughput.png round{1,2}/{results.json,table.txt,throughput.png}; do
  [[ -s "$out/$file" ]] || fail "$file was not written"
done
jq -e '.settings.rounds == 2 and (.by_round | length) == 2
       and ([.results[] | select(.error | not) | .rounds_measured == 2] | all)' "$out/results.json" \
  >/dev/null || fail "results.json does not summarize both rounds"
grep -q '^by round (1 to 2):' "$out/table.txt" || fail "the table does not list the rounds"
jq -e '.results | map(.name) == ["ceiling1", "ceiling2", "transaction", "broker", "sink1", "sink2", "peer", "peer_tuned"]' "$out/results.json" \
  >/dev/null || fail "results.json does not list every measurement"
jq -e '.results[] | select(.error | not) | .events_per_second > 0' "$out/results.json" >/dev/null ||
  fail "a measurement has no rate"
jq -e '[.results[] | select(.name | test("^sink[0-9]+$")) | .stats_match_ledger] | all' \
  "$out/results.json" >/dev/null || fail "a sink's statistics differ from the producer's ledger"
jq -e '[.results[] | select(.name | test("^sink[0-9]+$")) | .rows_unlike_ceiling == 0] | all' \
  "$out/results.json" >/dev/null || fail "a sink's rows differ from the ceiling's rows"
jq -e '[.results[] | select(.name | test("^sink[0-9]+$")) | .latency.p99_seconds > 0] | all' \
  "$out/results.json" >/dev/null || fail "a latency run has no p99"
jq -e '[.results[] | select(.name | test("^sink[0-9]+$")) | .latency
        | .whole_run.p99_seconds > 0 and .observations < .whole_run.observations
          and .kafka_alone.p99_seconds > 0] | all' \
  "$out/results.json" >/dev/null || fail "a latency run's window does not leave out its warm-up, or Kafka alone was not timed"
jq -e '[.results[] | select(.name == "broker" or (.name | test("^sink[0-9]+$")))
        | .cpu_microseconds_per_event.broker != null] | all' \
  "$out/results.json" >/dev/null || fail "the broker's CPU was not measured for a run that reads the topic"
for peer in peer peer_tuned; do
  jq -e --arg peer "$peer" '.expected.unique_processed as $unique | .results[] | select(.name == $peer) | .rows == $unique' \
    "$out/results.json" >/dev/null ||
    fail "$peer did not run: $(jq -r --arg peer "$peer" '.results[] | select(.name == $peer) | .error' "$out/results.json")"
done
jq -e '.sink_to_tuned_peer > 0 and ([.by_round[] | .sink_to_tuned_peer > 0] | all)' "$out/results.json" >/dev/null ||
  fail "results.json has no ratio to the tuned peer"
echo "benchmark short run: all outputs present, both rounds summarized, every sink run exact"
