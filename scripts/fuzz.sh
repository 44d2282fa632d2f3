#!/usr/bin/env bash
# Fuzzes the event parser and the HTTP API's request handling with libFuzzer (fuzz/):
#   1. installs the Debian packages that are missing (clang and its libFuzzer among them);
#   2. configures build-fuzz/ with clang and -DEVENTSINK_FUZZ=ON and builds the fuzz targets only,
#      instrumented for coverage, under AddressSanitizer and UndefinedBehaviorSanitizer;
#   3. runs the targets one after the other, one process each (nice), each on its working corpus
#      build-fuzz/corpus/<target>/, which starts from the checked-in seeds in fuzz/corpus/<target>/
#      (only read, never written), and prints executions, exec/s, coverage and the result.
# A finding (a crash, a sanitizer report, a violated invariant, a leak, an input slower than 10 s)
# fails the script. The input that caused it is left in build-fuzz/findings/<target>/; replay it
# with build-fuzz/fuzz/<target>_fuzzer build-fuzz/findings/<target>/<file>.
#
# Usage: scripts/fuzz.sh [--runs N | --seconds S] [TARGET...]
#   --seconds S  fuzz each target for S seconds (default 40: the three take about 2 minutes, as CI)
#   --runs N     fuzz each target for N executions instead, e.g. --runs 10000000 for a long run
#   TARGET       event_parser, publish_body, http_request_checks (default: all three)
# Environment: EVENTSINK_FUZZ_BUILD_DIR (default build-fuzz); EVENTSINK_FUZZ_FLAGS, more libFuzzer
# flags for every target (e.g. -max_len=65536).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

all_targets=(event_parser publish_body http_request_checks)
build_dir="${EVENTSINK_FUZZ_BUILD_DIR:-build-fuzz}"
budget=(-max_total_time=40)
targets=()

usage() {
  sed -n '13,18p' "$0" | sed 's/^# \{0,1\}//'
  exit "$1"
}
while (($# > 0)); do
  case "$1" in
    --runs)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || usage 2
      budget=(-runs="$2")
      shift 2
      ;;
    --seconds)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || usage 2
      budget=(-max_total_time="$2")
      shift 2
      ;;
    -h | --help) usage 0 ;;
    -*) usage 2 ;;
    *)
      [[ " ${all_targets[*]} " == *" $1 "* ]] || {
        echo "fuzz: unknown target '$1' (targets: ${all_targets[*]})" >&2
        exit 2
      }
      targets+=("$1")
      shift
      ;;
  esac
done
((${#targets[@]} > 0)) || targets=("${all_targets[@]}")

# The dictionary of each target.
dictionary() {
  case "$1" in
    http_request_checks) echo fuzz/http.dict ;;
    *) echo fuzz/json.dict ;;
  esac
}

# "name: value" of libFuzzer's final statistics (-print_final_stats=1) in log $1.
final_stat() {
  sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

# The value after "$2: " on libFuzzer's last status line (cov, ft, corp) in log $1.
last_status() {
  grep -E '^#[0-9]+' "$1" | tail -n 1 | sed -n "s/.* $2: \([^ ]*\).*/\1/p"
}

echo "== installing missing packages"
scripts/install-deps.sh --quiet
echo "== building the fuzz targets in $build_dir (clang, libFuzzer, ASan+UBSan, -Werror)"
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DEVENTSINK_FUZZ=ON -DEVENTSINK_BUILD_TESTS=OFF -DEVENTSINK_WERROR=ON >/dev/null
nice cmake --build "$build_dir" --target "${targets[@]/%/_fuzzer}"

export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
summary=()
failed=()
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target"
  findings="$build_dir/findings/$target"
  log="$build_dir/logs/$target.log"
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  echo "== fuzzing $target (${budget[*]}; log: $log)"
  started=$SECONDS
  status=0
  # shellcheck disable=SC2086  # EVENTSINK_FUZZ_FLAGS is a list of flags
  nice "$build_dir/fuzz/${target}_fuzzer" "${budget[@]}" -dict="$(dictionary "$target")" \
    -max_len=4096 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" \
    ${EVENTSINK_FUZZ_FLAGS:-} "$corpus" "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  seconds=$((SECONDS - started))

  if ((status == 0)); then
    result=ok
  else
    result="FINDING (exit $status)"
    failed+=("$target")
    echo "-- $target: libFuzzer's report (the end of $log):"
    grep -v -E '^#[0-9]+' "$log" | tail -n 40
    echo "-- the input is in $findings/:"
    ls -t "$findings"
  fi
  summary+=("$(printf '%-20s %-20s %12s %8s %6s s %6s %7s %7s' "$target" "$result" \
    "$(final_stat "$log" number_of_executed_units)" "$(final_stat "$log" average_exec_per_sec)" \
    "$seconds" "$(last_status "$log" cov)" "$(last_status "$log" ft)" \
    "$(last_status "$log" corp | cut -d/ -f1)")")
done

echo "== results"
printf '%-20s %-20s %12s %8s %8s %6s %7s %7s\n' target result executions exec/s time cov ft corpus
printf '%s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "FAILED: findings in ${failed[*]} (inputs in $build_dir/findings/)"
  exit 1
fi
echo "no findings"
