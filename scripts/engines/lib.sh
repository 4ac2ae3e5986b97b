#!/usr/bin/env bash
# Shared helpers of scripts/engines/*.sh: the engine cache (.engines/ at the repository root),
# Maven Central downloads, the JDK 17, pid files and port waits. Sourced, not run.
set -euo pipefail

ENGINES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ENGINES_DIR="${WAGGLE_ENGINES_DIR:-$ENGINES_ROOT/.engines}"
ENGINES_RUN="$ENGINES_DIR/run"
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

die() {
  echo "error: $*" >&2
  exit 1
}
say() { echo "$*" >&2; }

# The OpenJDK 17 (Cassandra 5.0 and OpenSearch 2.x need 11 or 17; JDK 24+ cannot run Cassandra).
jdk17() {
  local c
  for c in "${WAGGLE_JDK17:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64 /usr/lib/jvm/openjdk-17; do
    if [[ -n "$c" && -x "$c/bin/java" ]] && "$c/bin/java" -version 2>&1 | grep -q 'version "17'; then
      echo "$c"
      return 0
    fi
  done
  die "no JDK 17 found (set WAGGLE_JDK17 or: apt-get install -y openjdk-17-jdk-headless)"
}

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is required (${2:-install it})"; }

# pid_alive <pidfile>: the recorded process is running.
pid_alive() {
  [[ -f "$1" ]] || return 1
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null
}

# stop_pid <pidfile> <name>: TERM the recorded process, KILL it after 30 s, remove the pid file.
stop_pid() {
  local file="$1" name="$2" pid i
  if ! pid_alive "$file"; then
    rm -f "$file"
    say "$name: not running"
    return 0
  fi
  pid="$(cat "$file")"
  kill "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name: still running after 30 s, sending KILL to $pid"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  say "$name: stopped (pid $pid)"
}

# port_open <host> <port>
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port <host> <port> <timeout-s> <pidfile> <name> <log>: waits until the port accepts
# connections; fails early with the log tail when the process died.
wait_port() {
  local host="$1" port="$2" timeout="$3" file="$4" name="$5" log="$6" i
  for ((i = 0; i < timeout * 2; i++)); do
    if port_open "$host" "$port"; then return 0; fi
    if ! pid_alive "$file"; then
      say "$name: the process exited during start-up; last lines of $log:"
      tail -n 30 "$log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "$name: $host:$port did not open within ${timeout}s; last lines of $log:"
  tail -n 30 "$log" >&2 || true
  return 1
}

# mvn_fetch_deps <dir> <group:artifact:version>: copies the artifact and its runtime
# dependencies from Maven Central into <dir>/lib (skipped when <dir>/.complete exists).
mvn_fetch_deps() {
  local dir="$1" gav="$2"
  [[ -f "$dir/.complete" ]] && return 0
  need mvn "apt-get install -y maven"
  IFS=: read -r g a v <<<"$gav"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
 <groupId>local.waggle</groupId><artifactId>engine-runtime</artifactId><version>1</version><packaging>pom</packaging>
 <dependencies><dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version></dependency></dependencies></project>
POM
  say "fetching $gav and its dependencies from Maven Central..."
  rm -rf "$dir/lib"
  mvn -B -q -f "$dir/pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory=lib >"$dir/fetch.log" 2>&1 ||
    {
      tail -n 30 "$dir/fetch.log" >&2
      die "maven could not fetch $gav (log: $dir/fetch.log)"
    }
  touch "$dir/.complete"
}

# mvn_fetch_artifact <group:artifact:version:packaging> <outdir>: one artifact, no dependencies.
mvn_fetch_artifact() {
  local gav="$1" out="$2"
  need mvn "apt-get install -y maven"
  mkdir -p "$out"
  mvn -B -q "$MVN_DEP_PLUGIN:copy" -Dartifact="$gav" -DoutputDirectory="$out" >"$out/fetch.log" 2>&1 ||
    {
      tail -n 30 "$out/fetch.log" >&2
      die "maven could not fetch $gav (log: $out/fetch.log)"
    }
}
