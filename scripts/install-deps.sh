#!/usr/bin/env bash
# Installs the Debian packages this project needs to build, test and run its local stack.
#
# Usage: scripts/install-deps.sh [--check] [--quiet]
#   --check   install nothing: list the missing packages and exit 1 if there are any
#   --quiet   print nothing when everything is already installed
#
# Idempotent and cheap when nothing is missing: one dpkg-query call, no apt-get at all. When something is
# missing it runs `apt-get update` (once) and installs only the missing packages, printing their names.
# Runs as root (CI) or through sudo. This list is the one place that names the project's system packages.
set -euo pipefail

PACKAGES=(
  # Toolchain and build
  g++ cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  # C++ libraries (see /work/shared/NOTES.md for the versions Debian 12 ships)
  librdkafka-dev libpqxx-dev prometheus-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  nlohmann-json3-dev libsimdjson-dev libcli11-dev libbenchmark-dev libhowardhinnant-date-dev libcivetweb-dev
  libcurl4-openssl-dev
  # Local stack (scripts/stack.sh): the servers, and the clients it uses to probe them
  kcat postgresql prometheus openjdk-17-jre-headless maven curl procps iproute2
  # The demos read JSON answers with jq
  jq
  # The benchmark draws throughput over time (scripts/benchmark.sh)
  gnuplot-nox
  # Validates the compose file without a Docker engine (--no-install-recommends keeps the engine out)
  docker-compose
)

check_only=0
quiet=0
for arg in "$@"; do
  case "$arg" in
    --check) check_only=1 ;;
    --quiet) quiet=1 ;;
    -h | --help)
      sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "install-deps: unknown argument: $arg" >&2
      exit 2
      ;;
  esac
done

# One dpkg-query for the whole list. A package dpkg has never heard of is reported on stderr (and makes
# dpkg-query exit 1) instead of being printed, so compare against the list rather than trusting the exit code.
declare -A installed=()
while read -r name status; do
  # db:Status-Abbrev is e.g. "ii " (installed) or "rc " (removed, config files left): want 'i' second.
  [[ "${status:1:1}" == "i" ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ -n "${installed[$pkg]:-}" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  ((quiet)) || echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

if ((check_only)); then
  echo "install-deps: missing: ${missing[*]}"
  exit 1
fi

echo "install-deps: installing: ${missing[*]}"

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    sudo=(sudo --preserve-env=DEBIAN_FRONTEND)
  else
    echo "install-deps: not root and no sudo: install these as root: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
# --no-install-recommends: docker-compose would otherwise pull in the whole Docker engine, and postgresql
# and openjdk a pile of desktop bits.
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
