#!/usr/bin/env bash
# MinIO for the S3 BlobStore tests and the cluster harness, without Docker.
#
#   scripts/engines/minio.sh build                    # go install into .engines/bin (cached by version)
#   scripts/engines/minio.sh start [--distributed]    # single node on 127.0.0.1:9000, or 3 servers x 2 drives
#   scripts/engines/minio.sh stop  [--distributed]    # stops only the pids this script recorded
#   scripts/engines/minio.sh status [--distributed]
#   scripts/engines/minio.sh env   [--distributed]    # prints the WAGGLE_TEST_S3* variables for the tests
#
# MinIO is built from source through the Go module proxy (the community edition ships no binaries any
# more). The release tags are not semver and the proxy refuses them as queries, so the pin is the
# pseudo-version of the final commit 7aac2a2c5b7c (what `@latest` resolves to).
# Distributed mode: 3 servers on 127.0.0.1:9101..9103, 2 drives each, one erasure set of 6 drives
# (any one server can stop and reads and writes go on). Ports and credentials can be overridden:
#   MINIO_PORT (9000), MINIO_DIST_BASE_PORT (9100), WAGGLE_TEST_S3_ACCESS_KEY, WAGGLE_TEST_S3_SECRET_KEY.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
MINIO_BIN="$ENGINES_DIR/bin/minio-$MINIO_VERSION"
MINIO_DIR="$ENGINES_DIR/minio"
ACCESS_KEY="${WAGGLE_TEST_S3_ACCESS_KEY:-waggletest}"
SECRET_KEY="${WAGGLE_TEST_S3_SECRET_KEY:-waggletest-secret}"
SINGLE_PORT="${MINIO_PORT:-9000}"
DIST_BASE="${MINIO_DIST_BASE_PORT:-9100}"

build() {
  [[ -x "$MINIO_BIN" ]] && return 0
  need go "Go 1.24 or newer"
  mkdir -p "$ENGINES_DIR/bin" "$MINIO_DIR"
  local tmpbin start
  tmpbin="$(mktemp -d "$ENGINES_DIR/bin/.build-XXXXXX")"
  start=$(date +%s)
  say "minio: building $MINIO_VERSION with go install (first build takes several minutes)..."
  if ! GOBIN="$tmpbin" CGO_ENABLED=0 go install "github.com/minio/minio@$MINIO_VERSION" >"$MINIO_DIR/build.log" 2>&1; then
    tail -n 30 "$MINIO_DIR/build.log" >&2
    rm -rf "$tmpbin"
    die "minio: go install failed (log: $MINIO_DIR/build.log)"
  fi
  mv "$tmpbin/minio" "$MINIO_BIN"
  rm -rf "$tmpbin"
  echo "$MINIO_VERSION built in $(($(date +%s) - start)) s on $(nproc) cores, $(du -h "$MINIO_BIN" | cut -f1)" >"$MINIO_DIR/build-time.txt"
  say "minio: $(cat "$MINIO_DIR/build-time.txt")"
}

# wait_health <port> <pidfile> <log>: /minio/health/live answers 200.
wait_health() {
  local port="$1" file="$2" log="$3" i
  for ((i = 0; i < 240; i++)); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/minio/health/live" 2>/dev/null; then return 0; fi
    if ! pid_alive "$file"; then
      say "minio: the server on port $port exited during start-up; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "minio: port $port not healthy within 120 s; last lines of $log:"
  tail -n 30 "$log" >&2 || true
  return 1
}

# launch <name> <api-port> <console-port> <endpoints...>
launch() {
  local name="$1" port="$2" console="$3"
  shift 3
  local pidfile="$ENGINES_RUN/$name.pid" log="$MINIO_DIR/$name.log"
  if pid_alive "$pidfile"; then
    say "$name: already running (pid $(cat "$pidfile"))"
    return 0
  fi
  if port_open 127.0.0.1 "$port"; then die "$name: 127.0.0.1:$port is already in use by another process"; fi
  # MINIO_CI_CD relaxes the root-drive check, which would refuse several drives on one disk.
  # _MINIO_SERVER_LOCAL: where /.dockerenv exists (this machine), MinIO thinks it runs in an
  # orchestrated container and waits forever for 127.0.0.1 to "resolve to a valid IP"; naming the
  # server's own host:port marks its endpoints local and ends that wait (cmd/endpoint.go).
  _MINIO_SERVER_LOCAL="127.0.0.1:$port" \
    MINIO_ROOT_USER="$ACCESS_KEY" MINIO_ROOT_PASSWORD="$SECRET_KEY" MINIO_CI_CD=1 MINIO_BROWSER=off \
    MINIO_UPDATE=off nohup "$MINIO_BIN" server --quiet --address "127.0.0.1:$port" \
    --console-address "127.0.0.1:$console" "$@" >"$log" 2>&1 &
  echo $! >"$pidfile"
}

start() {
  build
  mkdir -p "$ENGINES_RUN" "$MINIO_DIR"
  if [[ "$DIST" == 1 ]]; then
    local n endpoints=()
    for n in 1 2 3; do
      mkdir -p "$MINIO_DIR/dist/node$n/d1" "$MINIO_DIR/dist/node$n/d2"
      endpoints+=("http://127.0.0.1:$((DIST_BASE + n))$MINIO_DIR/dist/node$n/d1"
        "http://127.0.0.1:$((DIST_BASE + n))$MINIO_DIR/dist/node$n/d2")
    done
    for n in 1 2 3; do
      launch "minio-dist$n" $((DIST_BASE + n)) $((DIST_BASE + 10 + n)) "${endpoints[@]}"
    done
    for n in 1 2 3; do
      if ! wait_health $((DIST_BASE + n)) "$ENGINES_RUN/minio-dist$n.pid" "$MINIO_DIR/minio-dist$n.log"; then
        stop
        die "minio: distributed start failed"
      fi
    done
    # the cluster check answers 200 once the erasure set has write quorum
    local i
    for ((i = 0; i < 120; i++)); do
      curl -fsS -o /dev/null "http://127.0.0.1:$((DIST_BASE + 1))/minio/health/cluster" 2>/dev/null && break
      sleep 0.5
    done
    say "minio: distributed mode up on 127.0.0.1:$((DIST_BASE + 1))..$((DIST_BASE + 3))"
  else
    mkdir -p "$MINIO_DIR/single/data"
    launch minio "$SINGLE_PORT" $((SINGLE_PORT + 10)) "$MINIO_DIR/single/data"
    if ! wait_health "$SINGLE_PORT" "$ENGINES_RUN/minio.pid" "$MINIO_DIR/minio.log"; then
      stop
      die "minio: start failed"
    fi
    say "minio: up on 127.0.0.1:$SINGLE_PORT"
  fi
  env_vars
}

names() {
  if [[ "$DIST" == 1 ]]; then echo minio-dist1 minio-dist2 minio-dist3; else echo minio; fi
}

stop() {
  local n
  for n in $(names); do stop_pid "$ENGINES_RUN/$n.pid" "$n"; done
}

status() {
  local n port rc=0
  for n in $(names); do
    if [[ "$n" == minio ]]; then port="$SINGLE_PORT"; else port=$((DIST_BASE + ${n#minio-dist})); fi
    if pid_alive "$ENGINES_RUN/$n.pid" && curl -fsS -o /dev/null "http://127.0.0.1:$port/minio/health/live" 2>/dev/null; then
      echo "$n: running (pid $(cat "$ENGINES_RUN/$n.pid"), 127.0.0.1:$port healthy)"
    else
      echo "$n: not running"
      rc=1
    fi
  done
  return $rc
}

env_vars() {
  local port="$SINGLE_PORT"
  [[ "$DIST" == 1 ]] && port=$((DIST_BASE + 1))
  echo "export WAGGLE_TEST_S3=http://127.0.0.1:$port"
  echo "export WAGGLE_TEST_S3_ACCESS_KEY=$ACCESS_KEY"
  echo "export WAGGLE_TEST_S3_SECRET_KEY=$SECRET_KEY"
}

cmd="${1:-}"
DIST=0
[[ "${2:-}" == --distributed ]] && DIST=1
case "$cmd" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) env_vars ;;
  *) die "usage: $0 build|start|stop|status|env [--distributed]" ;;
esac
