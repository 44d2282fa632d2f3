# shellcheck shell=bash disable=SC2154 # the variables used here are benchmark.sh's
# The benchmark's report, from the measurements' JSON files in $out. Sourced by
# scripts/benchmark.sh, whose variables it uses (out, run, events, duplicates, partitions, seed,
# batch_size, latency_rate, latency_seconds, latency_warmup, workers_list, rounds) and
# benchmarks/peer/peer.sh's PEER_CONFIGURATIONS.
#
# write_report writes, for one round (with out set to the round's directory):
#   results.json    every number, the machine, the settings, and whether each target is met
#   table.txt       the round's table
#   throughput.png  events per second over time, one line per measurement (gnuplot)
# write_summary then writes the run's results.json and table.txt (the table benchmark.sh prints
# and README.md's "Performance" shows) from the rounds': each measurement's median over the
# rounds, each round's figures listed below the table; and copies the median round's
# throughput.png.

# jq definitions the round's report and the run's share.
report_jq_defs='
  def thousands: tostring | until(test("^[0-9]{4}") | not; sub("(?<a>[0-9])(?<b>[0-9]{3})(?<c>(,[0-9]{3})*)$"; "\(.a),\(.b)\(.c)"));
  def fixed2: (. * 100 | round) as $x | "\($x / 100 | floor).\($x % 100 | tostring | if length < 2 then "0" + . else . end)";
  def ms: if . == null then "-" else (. * 1000 | round | tostring) end;
  # The targets of the issue, judged on $sinks (with their latency runs), the best of them (by its
  # ratio to the ceiling) and $peer_target, the 5 x peer verdict.
  def targets($sinks; $best; $peer_target): {
    sink_at_least_0_8_of_ceiling: {best: $best.name, ratio: $best.ratio_to_ceiling,
                                   met: ($best.ratio_to_ceiling >= 0.8)},
    sink_at_least_5x_peer: $peer_target,
    p99_under_100ms: ($sinks | map({key: .name, value: (if .latency.p99_seconds then .latency.p99_seconds < 0.1 else null end)}) | from_entries),
    peak_rss_under_100mb: ($sinks | map({key: .name, value: ([.peak_rss_kb, (.latency.peak_rss_kb // 0)] | max < 100 * 1024)}) | from_entries),
    exact: ($sinks | map({key: .name, value: (.stats_match_ledger and .rows_unlike_ceiling == 0)}) | from_entries)};
'

# What the report needs to know about the machine the numbers come from.
machine_json() {
  jq -n --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)" \
    --argjson cores "$(nproc)" \
    --argjson memory_kb "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" \
    --arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" \
    --arg kernel "$(uname -r)" \
    --arg postgres "$(psql -X -At "$EVENTSINK_DATABASE_URL" -c 'SHOW server_version' 2>/dev/null)" \
    --arg kafka "$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' scripts/kafka/pom.xml)" \
    --arg librdkafka "$(pkg-config --modversion rdkafka 2>/dev/null)" \
    '{cpu: $cpu, cores: $cores, memory_gib: ($memory_kb / 1048576 | . * 10 | round / 10), os: $os,
      kernel: $kernel, postgresql: $postgres, kafka: $kafka, librdkafka: $librdkafka}'
}

# The measurements, in table order.
measurement_names() {
  local workers
  for workers in $workers_list; do echo "ceiling$workers"; done
  echo transaction broker
  for workers in $workers_list; do echo "sink$workers"; done
  echo "${PEER_CONFIGURATIONS[@]}"
}

# results.json: one entry per measurement, in table order, each with its ratio to the ceiling
# (the fastest of the ceiling runs); a sink entry carries its latency run's quantiles.
write_results_json() {
  local files=() name workers
  for name in $(measurement_names); do files+=("$out/$name.json"); done
  local latencies="{}"
  for workers in $workers_list; do
    [[ -f "$out/latency$workers.json" ]] &&
      latencies="$(jq --arg k "sink$workers" --slurpfile l "$out/latency$workers.json" '. + {($k): $l[0]}' <<<"$latencies")"
  done
  jq -s --arg run "$run" --argjson machine "$(machine_json)" --argjson latencies "$latencies" \
    --slurpfile expected "$out/expected.json" \
    --argjson settings "$(jq -n --argjson events "$events" --argjson duplicates "$duplicates" \
      --argjson partitions "$partitions" --argjson seed "$seed" --argjson batch "$batch_size" \
      --argjson rate "$latency_rate" --argjson seconds "$latency_seconds" \
      --argjson warmup "$latency_warmup" \
      '{events: $events, duplicates: $duplicates, partitions: $partitions, seed: $seed,
        batch_records: $batch, latency_rate: $rate, latency_seconds: $seconds,
        latency_warmup_seconds: $warmup}')" "$report_jq_defs"'
    (map(select(.name | startswith("ceiling")) | .events_per_second) | max) as $ceiling
    | ($expected[0] | .received + .dead_lettered) as $records
    | [.[] | . + {ratio_to_ceiling: (if .events_per_second then .events_per_second / $ceiling else null end)}
           | if .database_cpu_seconds != null or .client_cpu_seconds != null then
               . + {cpu_microseconds_per_event: ({
                      client: ((.client_cpu_seconds // 0) / $records * 1e6),
                      database: ((.database_cpu_seconds // 0) / $records * 1e6)}
                    + if .broker_cpu_seconds != null then
                        {broker: (.broker_cpu_seconds / $records * 1e6)} else {} end)}
             else . end
           | if $latencies[.name] then . + {latency: $latencies[.name]} else . end] as $results
    | ($results | map(select(.name | test("^sink[0-9]+$")))) as $sinks
    | ($results | map(select(.name == "peer"))[0]) as $peer
    | ($results | map(select(.name == "peer_tuned"))[0]) as $tuned
    | ($sinks | max_by(.events_per_second)) as $best
    | {run: $run, machine: $machine, settings: $settings, expected: $expected[0],
       load_average: ([$results[] | .load_average // empty | .[]] | {min: min, max: max}),
       ceiling_events_per_second: $ceiling,
       results: $results,
       # Not a target: how far the best sink is ahead of the peer an operator has tuned.
       sink_to_tuned_peer: (if $tuned.events_per_second then $best.events_per_second / $tuned.events_per_second else null end),
       targets: targets($sinks; $best;
         if $peer.events_per_second then
           {ratio: ($best.events_per_second / $peer.events_per_second),
            met: ($best.events_per_second >= 5 * $peer.events_per_second)}
         else {met: null, why: $peer.error} end)}' "${files[@]}" >"$out/results.json"
}

write_table() {
  jq -r "$report_jq_defs"'
    def pad($n): tostring | (" " * ([$n - length, 0] | max)) + .;
    def plural($n; $word): "\($n) \($word)\(if $n > 1 then "s" else "" end)";
    def row_label: if .name | startswith("ceiling") then "ceiling, \(plural(.sessions; "session"))"
               elif .name == "transaction" then "sink transaction alone, no Kafka"
               elif .name == "broker" then "broker (librdkafka alone)"
               elif .name == "peer" then "peer (Connect + Debezium JDBC)"
               elif .name == "peer_tuned" then "peer, tuned (batches, reduction)"
               else "sink, \(plural(.workers; "worker"))" end;
    "eventsink benchmark \(.run)\(if (.settings.rounds // 1) > 1 then " (median of \(.settings.rounds) rounds)" else "" end): \(.settings.events | thousands) events, \(.settings.duplicates * 100 | round) % duplicates, \(.settings.partitions) partitions, \(.settings.batch_records) rows per transaction",
    "machine: \(.machine.cpu), \(.machine.cores) cores, \(.machine.memory_gib) GiB; \(.machine.os); PostgreSQL \(.machine.postgresql), Kafka \(.machine.kafka), librdkafka \(.machine.librdkafka)",
    "load average (1 min) during the run: \(.load_average.min) to \(.load_average.max)",
    "",
    def cpu: if .cpu_microseconds_per_event then
               .cpu_microseconds_per_event as $c
               | "\($c.client * 10 | round / 10) + \($c.database * 10 | round / 10)"
                 + if $c.broker != null then " + \($c.broker * 10 | round / 10)" else "" end
             else "-" end;
    ("measurement" + (" " * 23)) + ("events/s" | pad(11)) + ("× ceiling" | pad(11)) + ("p50 ms" | pad(8)) + ("p99 ms" | pad(8)) + ("from start" | pad(12)) + ("Kafka p99" | pad(11)) + ("peak RSS MiB" | pad(14)) + ("CPU µs/event" | pad(20)),
    (.results[] |
      if .error then (row_label + (" " * ([34 - (row_label | length), 0] | max))) + "not measured: \(.error)"
      else (row_label + (" " * ([34 - (row_label | length), 0] | max)))
           + (.events_per_second | floor | thousands | pad(11))
           + (.ratio_to_ceiling | fixed2 | pad(11))
           + (.latency.p50_seconds | ms | pad(8))
           + (.latency.p99_seconds | ms | pad(8))
           + (.latency.whole_run.p99_seconds | ms | pad(12))
           + (.latency.kafka_alone.p99_seconds | ms | pad(11))
           + (if .peak_rss_kb then ([.peak_rss_kb, (.latency.peak_rss_kb // 0)] | max / 1024 | round | tostring) else "-" end | pad(14))
           + (cpu | pad(20))
      end),
    "",
    "p50/p99: end-to-end latency (Kafka timestamp to commit) at a steady \(.settings.latency_rate | thousands) events/s, records committed after a \(.settings.latency_warmup_seconds)-s warm-up; from start: p99 of every record of that run; Kafka p99: the same records reaching a plain consumer alongside (Kafka timestamp to arrival, after the warm-up); peak RSS: VmHWM of eventsink-consumer",
    "CPU µs/event: CPU time per record of the client (consumer, Connect, eventsink-bench) + of the PostgreSQL backends serving it (+ of the Kafka broker serving its fetches, for the rows that read the topic; the ceiling reads it into memory before its clock starts); it depends less than events/s on the machine'"'"'s other load (which still slows every core down)",
    "ceiling: PostgreSQL alone (COPY + INSERT ... ON CONFLICT DO NOTHING, no Kafka), the fastest run\(if (.settings.rounds // 1) > 1 then " of each round, median" else "" end): \(.ceiling_events_per_second | floor | thousands) events/s",
    "targets: sink ≥ 0.8 × ceiling: \(if .targets.sink_at_least_0_8_of_ceiling.met then "met" else "NOT met" end) (\(.targets.sink_at_least_0_8_of_ceiling.best), \(.targets.sink_at_least_0_8_of_ceiling.ratio | fixed2))"
      + "; sink ≥ 5 × peer: \(if .targets.sink_at_least_5x_peer.met == null then "not measured" elif .targets.sink_at_least_5x_peer.met then "met (\(.targets.sink_at_least_5x_peer.ratio * 100 | floor / 100) ×)" else "NOT met (\(.targets.sink_at_least_5x_peer.ratio * 100 | floor / 100) ×)" end)"
      + "\(if .sink_to_tuned_peer then " (the tuned peer: \(.sink_to_tuned_peer * 100 | floor / 100) ×)" else "" end)"
      + "; p99 < 100 ms: \(.targets.p99_under_100ms | to_entries | map("\(.key) \(if .value == null then "-" elif .value then "yes" else "NO" end)") | join(", "))"
      + "; RSS < 100 MB: \(.targets.peak_rss_under_100mb | to_entries | map("\(.key) \(if .value then "yes" else "NO" end)") | join(", "))",
    "exactly once: \(.targets.exact | to_entries | map("\(.key) \(if .value then "exact" else "NOT EXACT" end)") | join(", ")) (statistics equal the producer ledger, rows equal the ceiling rows)"
  ' "$out/results.json" >"$out/table.txt"
}

# Events per second between consecutive samples of a series, against seconds since `start`.
series_rates() {
  local series=$1 start=$2
  awk -v start="$start" 'NR > 1 && $1 > t && $1 > start { printf "%.2f %.0f\n", $1 - start, ($2 - c) / ($1 - t) }
                         { t = $1; c = $2 }' "$series"
}

write_plot() {
  command -v gnuplot >/dev/null || { echo "benchmark: gnuplot not found: no throughput.png" >&2; return 0; }
  local plots=() name start title
  mkdir -p "$out/plot"
  local style
  for name in $(measurement_names); do
    [[ -s "$out/series/$name.txt" ]] || continue
    start="$(jq -r '.started_at // empty' "$out/$name.json")"
    [[ -n "$start" ]] || continue
    series_rates "$out/series/$name.txt" "$start" >"$out/plot/$name.dat"
    style="linespoints"
    case "$name" in
      ceiling*) title="ceiling, ${name#ceiling} session(s)"; style="linespoints dashtype 2 pointtype 6" ;;
      transaction) title="sink transaction alone"; style="linespoints dashtype 3 pointtype 8" ;;
      peer) title="peer (Connect + Debezium JDBC)" ;;
      peer_tuned) title="peer, tuned" ;;
      *) title="sink, ${name#sink} worker(s)" ;;
    esac
    plots+=("'$out/plot/$name.dat' using 1:2 with $style linewidth 2 title '$title'")
  done
  ((${#plots[@]} > 0)) || return 0
  local joined
  joined="$(printf '%s, ' "${plots[@]}")"
  gnuplot <<EOF
set terminal pngcairo size 1100,600 font ",10" noenhanced
set output '$out/throughput.png'
set title "$run: events per second over time ($events events, $partitions partitions)"
set xlabel "seconds since the measurement's first record"
set ylabel "events per second"
set grid
set key outside right top
set yrange [0:*]
set xrange [0:*]
set format y "%.0f"
plot ${joined%, }
EOF
}

# The run's results.json from the rounds' (round1/results.json ...): each measurement's median over
# the rounds that measured it. A ratio is the median of the ratios taken within each round, so
# that both sides of it were measured minutes apart, not a quarter of an hour.
write_summary_json() {
  local files=() round
  for ((round = 1; round <= rounds; round++)); do files+=("$out/round$round/results.json"); done
  jq -s "$report_jq_defs"'
    def median: map(select(. != null)) | sort
      | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
        else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def sum_of(f): map(f) | add;
    . as $rounds
    | ($rounds | length) as $n
    | [ $rounds[0].results[].name as $name
        | [$rounds[] | .results[] | select(.name == $name)] as $entries
        | [$entries[] | select(.error | not)] as $ok
        | if ($ok | length) == 0 then $entries[0]
          else ($ok[0] | del(.detail, .started_at, .finished_at)) + {
            rounds_measured: ($ok | length),
            events_per_second: ($ok | map(.events_per_second) | median),
            events_per_second_by_round: ($entries | map(.events_per_second)),
            ratio_to_ceiling: ($ok | map(.ratio_to_ceiling) | median),
            seconds: ($ok | map(.seconds) | median),
            client_cpu_seconds: ($ok | map(.client_cpu_seconds) | median),
            database_cpu_seconds: ($ok | map(.database_cpu_seconds) | median),
            broker_cpu_seconds: (if $ok[0].broker_cpu_seconds != null then ($ok | map(.broker_cpu_seconds) | median) else null end),
            load_average: [($ok | map(.load_average[0]) | min), ($ok | map(.load_average[1]) | max)]}
            + (if $ok[0].cpu_microseconds_per_event then {cpu_microseconds_per_event: ({
                 client: ($ok | map(.cpu_microseconds_per_event.client) | median),
                 database: ($ok | map(.cpu_microseconds_per_event.database) | median)}
                 + if $ok[0].cpu_microseconds_per_event.broker != null then
                     {broker: ($ok | map(.cpu_microseconds_per_event.broker) | median)} else {} end)}
               else {} end)
            + (if $ok[0].peak_rss_kb then {peak_rss_kb: ($ok | map(.peak_rss_kb) | max)} else {} end)
            + (if $ok[0].stats_match_ledger != null then {
                 stats_match_ledger: ($ok | map(.stats_match_ledger) | all),
                 rows_unlike_ceiling: ($ok | map(.rows_unlike_ceiling) | max)} else {} end)
            + (if $ok[0].rows != null then {rows: ($ok | map(.rows) | min)} else {} end)
            + (if $ok[0].latency then {latency: ($ok | map(.latency) | {
                 rate: .[0].rate, seconds: .[0].seconds, warmup_seconds: .[0].warmup_seconds,
                 observations: sum_of(.observations),
                 p50_seconds: (map(.p50_seconds) | median), p99_seconds: (map(.p99_seconds) | median),
                 p99_seconds_by_round: map(.p99_seconds),
                 slow_transactions_by_round: map(.slow_transactions),
                 share_at_most_100ms: (map(.share_at_most_100ms) | median),
                 peak_rss_kb: (map(.peak_rss_kb) | max),
                 whole_run: {observations: sum_of(.whole_run.observations),
                             p50_seconds: (map(.whole_run.p50_seconds) | median),
                             p99_seconds: (map(.whole_run.p99_seconds) | median)},
                 kafka_alone: {observations: sum_of(.kafka_alone.observations),
                               p50_seconds: (map(.kafka_alone.p50_seconds) | median),
                               p99_seconds: (map(.kafka_alone.p99_seconds) | median)}})}
               else {} end)
          end ] as $results
    | ($results | map(select(.name | test("^sink[0-9]+$")))) as $sinks
    | ($sinks | max_by(.ratio_to_ceiling)) as $best
    | ($rounds | map(.targets.sink_at_least_5x_peer.ratio) | median) as $peer_ratio
    | ($rounds | map(.sink_to_tuned_peer) | median) as $tuned_ratio
    | {run: $rounds[0].run | sub(", round 1 of .*$"; ""), machine: $rounds[0].machine,
       settings: ($rounds[0].settings + {rounds: $n}), expected: $rounds[0].expected,
       load_average: {min: ($rounds | map(.load_average.min) | min), max: ($rounds | map(.load_average.max) | max)},
       ceiling_events_per_second: ($rounds | map(.ceiling_events_per_second) | median),
       results: $results,
       sink_to_tuned_peer: $tuned_ratio,
       by_round: [$rounds[] | {ceiling_events_per_second, load_average,
                               best_sink: .targets.sink_at_least_0_8_of_ceiling,
                               sink_to_peer: .targets.sink_at_least_5x_peer.ratio,
                               sink_to_tuned_peer,
                               p99_seconds: ([.results[] | select(.latency) | {key: .name, value: .latency.p99_seconds}] | from_entries)}],
       targets: targets($sinks; $best;
         if $peer_ratio then {ratio: $peer_ratio, met: ($peer_ratio >= 5)}
         else {met: null, why: ($rounds[0].targets.sink_at_least_5x_peer.why)} end)}' \
    "${files[@]}" >"$out/results.json"
}

# Below the table, each round's own figures, so that the medians can be seen for what they are.
write_rounds_lines() {
  jq -r "$report_jq_defs"'
    select(.settings.rounds > 1) |
    "by round (1 to \(.settings.rounds)):",
    "  ceiling events/s: \(.by_round | map(.ceiling_events_per_second | floor | thousands) | join(", "))",
    "  best sink ÷ ceiling: \(.by_round | map("\(.best_sink.ratio | fixed2) (\(.best_sink.best))") | join(", "))",
    "  best sink ÷ peer: \(.by_round | map(if .sink_to_peer then (.sink_to_peer | fixed2) else "-" end) | join(", "))",
    "  best sink ÷ tuned peer: \(.by_round | map(if .sink_to_tuned_peer then (.sink_to_tuned_peer | fixed2) else "-" end) | join(", "))",
    "  p99 ms: \([.results[] | select(.latency) | "\(.name) \(.latency.p99_seconds_by_round | map(ms) | join("/"))"] | join(", "))",
    "  transactions of 100 ms or more in the latency runs: \([.results[] | select(.latency) | "\(.name) \(.latency.slow_transactions_by_round | map(. // "-" | tostring) | join("/"))"] | join(", "))",
    "  load average (1 min): \(.by_round | map("\(.load_average.min)-\(.load_average.max)") | join(", "))"
  ' "$out/results.json" >>"$out/table.txt"
}

# The plot of the round whose best sink ÷ ceiling is the median one.
copy_median_plot() {
  local round
  round="$(jq '[.by_round | to_entries[] | {round: (.key + 1), ratio: .value.best_sink.ratio}]
               | sort_by(.ratio) | .[length / 2 | floor].round' "$out/results.json")"
  [[ -f "$out/round$round/throughput.png" ]] && cp "$out/round$round/throughput.png" "$out/throughput.png"
  return 0
}

write_summary() {
  write_summary_json
  write_table
  write_rounds_lines
  copy_median_plot
}

write_report() {
  write_results_json
  write_table
  write_plot
}
