#!/usr/bin/env bash
# OpenSearch 2.x from Maven Central (the integ-test-zip: no bundled JDK, no security plugin),
# single node on 127.0.0.1:9200, run by an unprivileged user (OpenSearch refuses root).
#   scripts/engines/opensearch.sh start|stop|status|fetch
# Env: WAGGLE_OPENSEARCH_VERSION (2.19.5), WAGGLE_OPENSEARCH_HEAP (512m), WAGGLE_OPENSEARCH_PORT (9200),
#      WAGGLE_OPENSEARCH_USER (waggle-os; created when running as root), WAGGLE_OPENSEARCH_FRESH=1 wipes data first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="${WAGGLE_OPENSEARCH_VERSION:-2.19.5}"
HEAP="${WAGGLE_OPENSEARCH_HEAP:-512m}"
PORT="${WAGGLE_OPENSEARCH_PORT:-9200}"
OS_USER="${WAGGLE_OPENSEARCH_USER:-waggle-os}"
HOME_DIR="$ENGINES_DIR/opensearch-$VERSION"
RUN="$ENGINES_RUN/opensearch"
PIDF="$RUN/pid"

fetch() {
  [[ -x "$HOME_DIR/bin/opensearch" ]] && return 0
  need unzip "apt-get install -y unzip"
  local dl="$ENGINES_DIR/dl"
  if [[ ! -f "$dl/opensearch-$VERSION.zip" ]]; then
    say "fetching OpenSearch $VERSION (integ-test-zip) from Maven Central..."
    mvn_fetch_artifact "org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip" "$dl"
  fi
  rm -rf "$HOME_DIR.tmp"
  mkdir -p "$HOME_DIR.tmp"
  unzip -q -o "$dl/opensearch-$VERSION.zip" -d "$HOME_DIR.tmp"
  mv "$HOME_DIR.tmp/opensearch-$VERSION" "$HOME_DIR"
  rm -rf "$HOME_DIR.tmp"
}

# Runs a command as the unprivileged user when this script runs as root.
as_user() {
  if [[ "$(id -u)" == 0 ]]; then
    id "$OS_USER" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$OS_USER"
    chown -R "$OS_USER" "$HOME_DIR" "$RUN"
    runuser -u "$OS_USER" -- "$@"
  else
    "$@"
  fi
}

start() {
  fetch
  if pid_alive "$PIDF"; then
    say "opensearch: already running (pid $(cat "$PIDF"))"
    return 0
  fi
  if port_open 127.0.0.1 "$PORT"; then die "opensearch: 127.0.0.1:$PORT is taken by a process this script did not start"; fi
  [[ "${WAGGLE_OPENSEARCH_FRESH:-}" == 1 ]] && rm -rf "$RUN"
  mkdir -p "$RUN/data" "$RUN/logs"
  rm -f "$PIDF"
  local t0 jdk
  t0=$(date +%s)
  jdk="$(jdk17)"
  as_user env OPENSEARCH_JAVA_HOME="$jdk" OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" OPENSEARCH_PATH_CONF="$HOME_DIR/config" \
    "$HOME_DIR/bin/opensearch" -d -p "$PIDF" \
    -Ecluster.name=waggle-test -Enode.name=waggle-os-1 \
    -Ediscovery.type=single-node -Enetwork.host=127.0.0.1 -Ehttp.port="$PORT" \
    -Epath.data="$RUN/data" -Epath.logs="$RUN/logs" \
    -Ecluster.routing.allocation.disk.threshold_enabled=false \
    -Eaction.auto_create_index=false >"$RUN/logs/stdout.log" 2>&1 ||
    {
      tail -n 30 "$RUN/logs/stdout.log" >&2
      die "opensearch did not start"
    }
  local i=0
  while [[ ! -f "$PIDF" && $i -lt 40 ]]; do
    sleep 0.5
    i=$((i + 1))
  done
  if ! wait_port 127.0.0.1 "$PORT" 240 "$PIDF" opensearch "$RUN/logs/waggle-test.log"; then
    stop_pid "$PIDF" opensearch
    die "opensearch did not start"
  fi
  curl -fsS "http://127.0.0.1:$PORT/_cluster/health?wait_for_status=yellow&timeout=120s" >/dev/null ||
    die "opensearch: the cluster did not become yellow"
  say "opensearch: up on http://127.0.0.1:$PORT (pid $(cat "$PIDF"), $(($(date +%s) - t0))s)"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop_pid "$PIDF" opensearch ;;
  status)
    if pid_alive "$PIDF"; then
      echo "opensearch: running (pid $(cat "$PIDF")), HTTP $(port_open 127.0.0.1 "$PORT" && echo open || echo closed)"
    else
      echo "opensearch: stopped"
      exit 3
    fi
    ;;
  *) die "usage: $0 start|stop|status|fetch" ;;
esac
