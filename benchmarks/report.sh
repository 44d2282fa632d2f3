# shellcheck shell=bash disable=SC2154 # the variables used here are benchmark.sh's
# The benchmark's report, from the measurements' JSON files in $out. Sourced by
# scripts/benchmark.sh, whose variables it uses (out, run, events, duplicates, partitions, seed,
# batch_size, latency_rate, latency_seconds, latency_warmup, workers_list).
#
# write_report writes:
#   results.json    every number, the machine, the settings, and whether each target is met
#   table.txt       the table benchmark.sh prints (and README.md's "Performance" shows)
#   throughput.png  events per second over time, one line per measurement (gnuplot)

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
  echo peer
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
        latency_warmup_seconds: $warmup}')" '
    (map(select(.name | startswith("ceiling")) | .events_per_second) | max) as $ceiling
    | ($expected[0] | .received + .dead_lettered) as $records
    | [.[] | . + {ratio_to_ceiling: (if .events_per_second then .events_per_second / $ceiling else null end)}
           | if .database_cpu_seconds != null or .client_cpu_seconds != null then
               . + {cpu_microseconds_per_event: {
                      client: ((.client_cpu_seconds // 0) / $records * 1e6),
                      database: ((.database_cpu_seconds // 0) / $records * 1e6)}}
             else . end
           | if $latencies[.name] then . + {latency: $latencies[.name]} else . end] as $results
    | ($results | map(select(.name | test("^sink[0-9]+$")))) as $sinks
    | ($results | map(select(.name == "peer"))[0]) as $peer
    | ($sinks | max_by(.events_per_second)) as $best
    | {run: $run, machine: $machine, settings: $settings, expected: $expected[0],
       load_average: ([$results[] | .load_average // empty | .[]] | {min: min, max: max}),
       ceiling_events_per_second: $ceiling,
       results: $results,
       targets: {
         sink_at_least_0_8_of_ceiling: {best: $best.name, ratio: $best.ratio_to_ceiling,
                                        met: ($best.ratio_to_ceiling >= 0.8)},
         sink_at_least_5x_peer: (if $peer.events_per_second then
             {ratio: ($best.events_per_second / $peer.events_per_second),
              met: ($best.events_per_second >= 5 * $peer.events_per_second)}
           else {met: null, why: $peer.error} end),
         p99_under_100ms: ($sinks | map({key: .name, value: (if .latency.p99_seconds then .latency.p99_seconds < 0.1 else null end)}) | from_entries),
         peak_rss_under_100mb: ($sinks | map({key: .name, value: ([.peak_rss_kb, (.latency.peak_rss_kb // 0)] | max < 100 * 1024)}) | from_entries),
         exact: ($sinks | map({key: .name, value: (.stats_match_ledger and .rows_unlike_ceiling == 0)}) | from_entries)
       }}' "${files[@]}" >"$out/results.json"
}

write_table() {
  jq -r '
    def thousands: tostring | until(test("^[0-9]{4}") | not; sub("(?<a>[0-9])(?<b>[0-9]{3})(?<c>(,[0-9]{3})*)$"; "\(.a),\(.b)\(.c)"));
    def pad($n): tostring | (" " * ([$n - length, 0] | max)) + .;
    def plural($n; $word): "\($n) \($word)\(if $n > 1 then "s" else "" end)";
    def row_label: if .name | startswith("ceiling") then "ceiling, \(plural(.sessions; "session"))"
               elif .name == "transaction" then "sink transaction alone, no Kafka"
               elif .name == "broker" then "broker (librdkafka alone)"
               elif .name == "peer" then "peer (Connect + Debezium JDBC)"
               else "sink, \(plural(.workers; "worker"))" end;
    def fixed2: (. * 100 | round) as $x | "\($x / 100 | floor).\($x % 100 | tostring | if length < 2 then "0" + . else . end)";
    def ms: if . == null then "-" else (. * 1000 | round | tostring) end;
    "eventsink benchmark \(.run): \(.settings.events | thousands) events, \(.settings.duplicates * 100 | round) % duplicates, \(.settings.partitions) partitions, \(.settings.batch_records) rows per transaction",
    "machine: \(.machine.cpu), \(.machine.cores) cores, \(.machine.memory_gib) GiB; \(.machine.os); PostgreSQL \(.machine.postgresql), Kafka \(.machine.kafka), librdkafka \(.machine.librdkafka)",
    "load average (1 min) during the run: \(.load_average.min) to \(.load_average.max)",
    "",
    def cpu: if .cpu_microseconds_per_event then
               "\(.cpu_microseconds_per_event.client * 10 | round / 10) + \(.cpu_microseconds_per_event.database * 10 | round / 10)"
             else "-" end;
    ("measurement" + (" " * 23)) + ("events/s" | pad(11)) + ("× ceiling" | pad(11)) + ("p50 ms" | pad(8)) + ("p99 ms" | pad(8)) + ("from start" | pad(12)) + ("Kafka p99" | pad(11)) + ("peak RSS MiB" | pad(14)) + ("CPU µs/event" | pad(16)),
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
           + (cpu | pad(16))
      end),
    "",
    "p50/p99: end-to-end latency (Kafka timestamp to commit) at a steady \(.settings.latency_rate | thousands) events/s, records committed after a \(.settings.latency_warmup_seconds)-s warm-up; from start: p99 of every record of that run; Kafka p99: the same records reaching a plain consumer alongside (Kafka timestamp to arrival, after the warm-up); peak RSS: VmHWM of eventsink-consumer",
    "CPU µs/event: CPU time per record of the client (consumer, Connect, eventsink-bench) + of the PostgreSQL backends serving it; unlike events/s it hardly depends on the machine'"'"'s other load",
    "ceiling: PostgreSQL alone (COPY + INSERT ... ON CONFLICT DO NOTHING, no Kafka), the fastest run: \(.ceiling_events_per_second | floor | thousands) events/s",
    "targets: sink ≥ 0.8 × ceiling: \(if .targets.sink_at_least_0_8_of_ceiling.met then "met" else "NOT met" end) (\(.targets.sink_at_least_0_8_of_ceiling.best), \(.targets.sink_at_least_0_8_of_ceiling.ratio | fixed2))"
      + "; sink ≥ 5 × peer: \(if .targets.sink_at_least_5x_peer.met == null then "not measured" elif .targets.sink_at_least_5x_peer.met then "met (\(.targets.sink_at_least_5x_peer.ratio * 100 | floor / 100) ×)" else "NOT met (\(.targets.sink_at_least_5x_peer.ratio * 100 | floor / 100) ×)" end)"
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

write_report() {
  write_results_json
  write_table
  write_plot
}
