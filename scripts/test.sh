#!/usr/bin/env bash
# Runs every test, on a fresh Debian 12 machine or an old one:
#   1. installs the Debian packages that are missing (scripts/install-deps.sh);
#   2. starts the local stack: Kafka, PostgreSQL, Prometheus (scripts/stack.sh up; a no-op if running);
#   3. builds three times with warnings as errors: the programs plainly (build/, as scripts/demo.sh
#      does), then everything under AddressSanitizer and UndefinedBehaviorSanitizer (build-test/)
#      and under ThreadSanitizer (build-tsan/);
#   4. runs the fuzz targets for a bounded time (scripts/fuzz.sh, clang's libFuzzer);
#   5. runs every test (CTest labels unit, static, stack, integration, chaos, bench) from the
#      ASan+UBSan build in one CTest run, then the unit and integration tests again from the
#      ThreadSanitizer build.
# The stack is left running for the next run; `scripts/stack.sh down` stops it.
#
# Environment: the addresses of scripts/env.sh; EVENTSINK_TEST_BUILD_DIR (default build-test);
# EVENTSINK_TEST_LABELS, a CTest label regex to run a subset (e.g. 'unit|static'), which also
# skips the ThreadSanitizer and fuzzing phases unless EVENTSINK_TSAN=1 / EVENTSINK_FUZZ=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

build_dir="${EVENTSINK_TEST_BUILD_DIR:-build-test}"
tsan_dir=build-tsan
full_run=$([[ -z "${EVENTSINK_TEST_LABELS:-}" ]] && echo 1 || echo 0)
run_tsan="${EVENTSINK_TSAN:-$full_run}"
run_fuzz="${EVENTSINK_FUZZ:-$full_run}"
started=$SECONDS
phase_started=$SECONDS
phase() {
  echo "== $* (previous phase: $((SECONDS - phase_started)) s)"
  phase_started=$SECONDS
}

phase "installing missing packages"
scripts/install-deps.sh
phase "starting the local stack"
scripts/stack.sh up
configure() {
  local dir="$1"
  shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVENTSINK_WERROR=ON "$@" >/dev/null
}
phase "building in build (-Werror)"
# The programs only, as scripts/demo.sh builds them; the tests are built twice below.
configure build -DEVENTSINK_BUILD_TESTS=OFF
cmake --build build
phase "building in $build_dir (-Werror, ASan+UBSan)"
configure "$build_dir" -DEVENTSINK_SANITIZERS=address,undefined
cmake --build "$build_dir"
if ((run_tsan)); then
  phase "building in $tsan_dir (-Werror, TSan)"
  configure "$tsan_dir" -DEVENTSINK_SANITIZERS=thread
  cmake --build "$tsan_dir"
fi
if ((run_fuzz)); then
  phase "fuzzing (bounded run)"
  scripts/fuzz.sh
fi

# Sanitizer findings are fatal and printed with a stack trace. Leak checking needs ptrace, which
# some sandboxes forbid; it is on where it works.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$EVENTSINK_ROOT/tests/lsan.supp}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$EVENTSINK_ROOT/tests/tsan.supp}"

phase "running the tests (ASan+UBSan)"
# One CTest run, serial: some tests restart PostgreSQL or Kafka, which others would feel.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error \
  ${EVENTSINK_TEST_LABELS:+--label-regex "$EVENTSINK_TEST_LABELS"}
if ((run_tsan)); then
  phase "running the unit and integration tests (TSan)"
  ctest --test-dir "$tsan_dir" --output-on-failure --no-tests=error --label-regex 'unit|integration'
fi
phase "done"
echo "== all tests passed in $((SECONDS - started)) s"
