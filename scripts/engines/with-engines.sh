#!/usr/bin/env bash
# Runs a command with single-node engines up, and the WAGGLE_TEST_* variables that the cluster
# suites read set; stops afterwards only the engines it started itself (by their scripts' pids).
#
#   scripts/engines/with-engines.sh cassandra opensearch minio -- node scripts/test.mjs packages/server-cluster
#
# Engines: cassandra (127.0.0.1:9042), opensearch (127.0.0.1:9200), minio (127.0.0.1:9000).
# An engine that is already running is used as it is and left running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(dirname "${BASH_SOURCE[0]}")"

engines=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    cassandra | opensearch | minio) engines+=("$1") ;;
    *) die "unknown engine $1 (cassandra, opensearch, minio)" ;;
  esac
  shift
done
[[ "${1:-}" == "--" && $# -ge 2 ]] || die "usage: $0 <engine>... -- <command>..."
shift

started=()
cleanup() {
  local e
  for e in "${started[@]}"; do "$HERE/$e.sh" stop || true; done
}
trap cleanup EXIT

for e in "${engines[@]}"; do
  if ! "$HERE/$e.sh" status >/dev/null 2>&1; then
    say "with-engines: starting $e"
    started+=("$e")
    "$HERE/$e.sh" start >/dev/null
  else
    say "with-engines: $e already runs; using it and leaving it running"
  fi
  case "$e" in
    cassandra) export WAGGLE_TEST_CASSANDRA=127.0.0.1:9042 ;;
    opensearch) export WAGGLE_TEST_OPENSEARCH=http://127.0.0.1:9200 ;;
    minio) eval "$("$HERE/minio.sh" env)" ;;
  esac
done

set +e
"$@"
rc=$?
set -e
exit $rc
