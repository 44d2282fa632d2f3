# One image for both eventsink binaries: eventsink-consumer (the default command) and eventsink-producer.
#
#   docker build -t eventsink:local .
#   docker run --rm eventsink:local eventsink-producer --help
#
# Both stages are Debian 12 (bookworm), the distribution the project is built and tested on, so the image
# links exactly the library versions CI tests against (librdkafka 2.0.2, libpqxx 6.4, prometheus-cpp 1.0).
# Only syntax the classic builder understands is used (no RUN --mount, no heredocs), so the builder that
# Debian's docker-compose 1.29 drives works as well as BuildKit.

############################################################################## build
FROM debian:12-slim AS build

ARG DEBIAN_FRONTEND=noninteractive
# The build dependencies of scripts/install-deps.sh, less the tools the image does not need (clang,
# the local stack's servers). GoogleTest stays so a CMakeLists that looks it up outside tests/ still
# configures; the tests themselves are not built.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config \
      librdkafka-dev libpqxx-dev libpq-dev prometheus-cpp-dev libspdlog-dev libfmt-dev \
      nlohmann-json3-dev libsimdjson-dev libcli11-dev libhowardhinnant-date-dev libcivetweb-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .

# Install into a staging root (DESTDIR) so the runtime stage copies exactly what the project installs.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVENTSINK_BUILD_TESTS=OFF \
 && cmake --build /build \
 && DESTDIR=/out cmake --install /build --prefix /usr/local --strip \
 && test -x /out/usr/local/bin/eventsink-consumer \
 && test -x /out/usr/local/bin/eventsink-producer

# The runtime packages are derived from what the binaries actually link: every shared library ldd
# resolves is mapped to the Debian package that owns it, so the list follows the code. On bookworm it
# comes to librdkafka1, libpqxx-6.4, libpq5, libprometheus-cpp-core1.0, libcivetweb1, libspdlog1.10,
# libfmt9, libsimdjson14 and their own dependencies (libprometheus-cpp-pull1.0 and librdkafka++1 too,
# should the code start using them). A library no package owns fails the build here, not at start.
RUN set -eu; \
    for bin in /out/usr/local/bin/*; do ldd "$bin"; done \
      | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u > /tmp/libs; \
    : > /out/runtime-packages; \
    while read -r lib; do \
      owner=""; \
      for candidate in "$lib" "$(readlink -f "$lib")" "/usr${lib#/usr}" "${lib#/usr}"; do \
        if owner=$(dpkg-query -S "$candidate" 2>/dev/null); then break; fi; \
        owner=""; \
      done; \
      if [ -z "$owner" ]; then echo "no Debian package owns $lib" >&2; exit 1; fi; \
      echo "${owner%%:*}" >> /out/runtime-packages; \
    done < /tmp/libs; \
    sort -u -o /out/runtime-packages /out/runtime-packages; \
    echo "runtime packages:"; cat /out/runtime-packages

############################################################################## runtime
FROM debian:12-slim AS runtime

ARG DEBIAN_FRONTEND=noninteractive
# curl: the compose health check (GET /health); tini: PID 1 that forwards SIGTERM to the binary (so a
# consumer can commit and leave its group cleanly on `docker stop`) and reaps zombies.
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && xargs -a /tmp/runtime-packages apt-get install -y --no-install-recommends curl ca-certificates tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages

COPY --from=build /out/usr/local/bin/ /usr/local/bin/

# Fail the image build, not the container start, if a shared library is missing.
RUN if ldd /usr/local/bin/eventsink-* | grep 'not found'; then \
      echo "eventsink binaries miss shared libraries" >&2; exit 1; \
    fi \
 && useradd --system --user-group --uid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin eventsink

LABEL org.opencontainers.image.title="eventsink" \
      org.opencontainers.image.description="Exactly-once-effect event sink: Kafka to PostgreSQL"

# Numeric so that runtimes enforcing runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /tmp
# The consumer's HTTP API, /health and /metrics (EVENTSINK_HTTP_PORT).
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["eventsink-consumer"]
