#!/usr/bin/env bash
# Runs every test, on a fresh Debian 12 machine or an old one:
#   1. installs the Debian packages that are missing (scripts/install-deps.sh);
#   2. starts the local stack: Kafka, PostgreSQL, Prometheus (scripts/stack.sh up; a no-op if running);
#   3. builds twice with warnings as errors: plainly (build/, as scripts/demo.sh does), and under
#      AddressSanitizer and UndefinedBehaviorSanitizer (build-test/), which the tests run from;
#   4. runs the unit, static, stack and integration tests (CTest labels) in one CTest run.
# The stack is left running for the next run; `scripts/stack.sh down` stops it.
#
# Environment: the addresses of scripts/env.sh; EVENTSINK_TEST_BUILD_DIR (default build-test);
# EVENTSINK_TEST_LABELS, a CTest label regex to run a subset (e.g. 'unit|static').
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/env.sh

build_dir="${EVENTSINK_TEST_BUILD_DIR:-build-test}"
started=$SECONDS

echo "== installing missing packages"
scripts/install-deps.sh
echo "== starting the local stack"
scripts/stack.sh up
echo "== building in build (-Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVENTSINK_WERROR=ON >/dev/null
cmake --build build
echo "== building in $build_dir (-Werror, ASan+UBSan)"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEVENTSINK_WERROR=ON \
  -DEVENTSINK_SANITIZERS=address,undefined >/dev/null
cmake --build "$build_dir"

# Sanitizer findings are fatal and printed with a stack trace. Leak checking needs ptrace, which
# some sandboxes forbid; it is on where it works.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

echo "== running the tests"
# One CTest run, serial: some integration tests restart PostgreSQL, which others would feel.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error \
  ${EVENTSINK_TEST_LABELS:+--label-regex "$EVENTSINK_TEST_LABELS"}
echo "== all tests passed in $((SECONDS - started)) s"
