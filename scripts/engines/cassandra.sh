#!/usr/bin/env bash
# Apache Cassandra 5.0 from Maven Central, one JVM per node on 127.0.0.N, password
# authentication (superuser cassandra/cassandra), data under .engines/run/cassandra/.
#   scripts/engines/cassandra.sh start [--nodes 1|3]   fetches (cached), starts, waits for CQL
#   scripts/engines/cassandra.sh stop                  stops the nodes this script started (by pid)
#   scripts/engines/cassandra.sh status
#   scripts/engines/cassandra.sh start-node N          starts node N (1-3) of the cluster again, e.g. after a kill -9
#   scripts/engines/cassandra.sh fetch                 downloads only (CI cache warm-up)
# Env: WAGGLE_CASSANDRA_NODES (1: the default of --nodes, for with-engines.sh), WAGGLE_CASSANDRA_VERSION (5.0.8), WAGGLE_CASSANDRA_HEAP (1g), WAGGLE_CASSANDRA_FRESH=1 wipes data first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION="${WAGGLE_CASSANDRA_VERSION:-5.0.8}"
HOME_DIR="$ENGINES_DIR/cassandra-$VERSION"
RUN="$ENGINES_RUN/cassandra"
HEAP="${WAGGLE_CASSANDRA_HEAP:-1g}"
TOKENS=(-9223372036854775808 -3074457345618258603 3074457345618258602)

cmd="${1:-}"
shift || true
NODE=""
if [[ "$cmd" == start-node ]]; then
  NODE="${1:-}"
  shift || true
fi
NODES="${WAGGLE_CASSANDRA_NODES:-1}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --nodes)
      NODES="${2:-}"
      shift 2
      ;;
    *) die "unknown option $1" ;;
  esac
done
[[ "$NODES" == 1 || "$NODES" == 3 ]] || die "--nodes must be 1 or 3"

fetch() { mvn_fetch_deps "$HOME_DIR" "org.apache.cassandra:cassandra-all:$VERSION"; }

write_config() {
  local n="$1" dir="$RUN/node$1" ip="127.0.0.$1"
  mkdir -p "$dir/data" "$dir/commitlog" "$dir/hints" "$dir/saved_caches" "$dir/cdc_raw" "$dir/logs"
  cat >"$dir/cassandra.yaml" <<YAML
cluster_name: waggle-test
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
num_tokens: 1
initial_token: ${TOKENS[$((n - 1))]}
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:7000"
listen_address: $ip
rpc_address: $ip
storage_port: 7000
native_transport_port: 9042
start_native_transport: true
data_file_directories: [ $dir/data ]
commitlog_directory: $dir/commitlog
hints_directory: $dir/hints
saved_caches_directory: $dir/saved_caches
cdc_raw_directory: $dir/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10s
auto_snapshot: false
# batch() writes its documents in one logged batch (atomicity): allow large ones
batch_size_warn_threshold: 1MiB
batch_size_fail_threshold: 16MiB
memtable_allocation_type: heap_buffers
authenticator: PasswordAuthenticator
authorizer: CassandraAuthorizer
role_manager: CassandraRoleManager
auto_bootstrap: false
# a killed node is convicted in ~9 s instead of ~15 s (logged batches time out until then; loopback: no jitter)
phi_convict_threshold: 5
YAML
  cat >"$dir/logback.xml" <<XML
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$dir/logs/system.log</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE" /></root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
XML
}

start_node() {
  local n="$1" dir="$RUN/node$1" ip="127.0.0.$1" java jamm t0
  local pidf="$dir/pid"
  if pid_alive "$pidf"; then
    say "cassandra node$n: already running (pid $(cat "$pidf"))"
    return 0
  fi
  if port_open "$ip" 9042; then die "cassandra node$n: $ip:9042 is taken by a process this script did not start"; fi
  write_config "$n"
  java="$(jdk17)/bin/java"
  jamm="$(ls "$HOME_DIR"/lib/jamm-*.jar | head -n 1)"
  t0=$(date +%s)
  # flags: conf/jvm17-server.options and conf/jvm-server.options of Cassandra 5.0 (see docs/engines.md)
  nohup "$java" -Xms512m -Xmx"$HEAP" -Xss256k -ea \
    -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:G1HeapRegionSize=16m \
    -XX:+UseThreadPriorities -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$dir/logs" \
    -XX:+UseTLAB -XX:+ResizeTLAB -XX:+PerfDisableSharedMem -Djava.net.preferIPv4Stack=true \
    -Djdk.attach.allowAttachSelf=true \
    --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED \
    --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED \
    --add-exports java.sql/java.sql=ALL-UNNAMED \
    --add-exports java.base/java.lang.ref=ALL-UNNAMED \
    --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED \
    --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED \
    --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED \
    --add-exports java.management/com.sun.jmx.remote.security=ALL-UNNAMED \
    --add-opens java.base/java.lang.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.loader=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.ref=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.math=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.module=ALL-UNNAMED \
    --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED \
    --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens java.base/java.io=ALL-UNNAMED \
    --add-opens java.base/java.nio=ALL-UNNAMED \
    --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED \
    --add-opens java.base/java.lang=ALL-UNNAMED \
    --add-opens java.base/java.util=ALL-UNNAMED \
    -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true -Dio.netty.allocator.maxOrder=11 \
    -javaagent:"$jamm" \
    -Dcassandra.config="file://$dir/cassandra.yaml" \
    -Dcassandra.storagedir="$dir" -Dcassandra.logdir="$dir/logs" \
    -Dlogback.configurationFile="$dir/logback.xml" -Dcassandra-foreground=yes \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.superuser_setup_delay_ms=0 \
    -Dcassandra.jmx.local.port="7${n}99" \
    -cp "$HOME_DIR/lib/*" org.apache.cassandra.service.CassandraDaemon >"$dir/logs/stdout.log" 2>&1 &
  echo $! >"$pidf"
  if ! wait_port "$ip" 9042 300 "$pidf" "cassandra node$n" "$dir/logs/system.log"; then
    stop_pid "$pidf" "cassandra node$n"
    die "cassandra node$n did not start"
  fi
  say "cassandra node$n: up on $ip:9042 (pid $(cat "$pidf"), $(($(date +%s) - t0))s)"
}

case "$cmd" in
  fetch) fetch ;;
  start)
    fetch
    [[ "${WAGGLE_CASSANDRA_FRESH:-}" == 1 ]] && ! pid_alive "$RUN/node1/pid" && rm -rf "$RUN"
    if [[ -f "$RUN/nodes" && "$(cat "$RUN/nodes")" != "$NODES" ]] && ! pid_alive "$RUN/node1/pid"; then
      rm -rf "$RUN" # the data of a cluster of another size cannot be reused
    fi
    mkdir -p "$RUN"
    echo "$NODES" >"$RUN/nodes"
    for ((i = 1; i <= NODES; i++)); do start_node "$i"; done
    if [[ "$NODES" == 3 ]]; then
      # the system_auth fix of TheHive's cluster guide: roles replicated on every node, so a login
      # works while one node is down (node's cassandra-driver from the repository's node_modules)
      (cd "$ENGINES_ROOT" && node -e "
        const c = require('cassandra-driver');
        const cl = new c.Client({ contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1', credentials: { username: 'cassandra', password: 'cassandra' } });
        cl.connect()
          .then(() => cl.execute(\"ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}\"))
          .then(() => cl.shutdown(), (e) => { console.error('error: system_auth replication: ' + e.message); process.exit(1); });
      ") || die "could not raise system_auth to replication factor 3"
      say "cassandra: system_auth replicated on 3 nodes"
    fi
    ;;
  start-node)
    [[ "$NODE" =~ ^[123]$ ]] || die "usage: $0 start-node 1|2|3"
    [[ -d "$RUN/node$NODE" ]] || die "cassandra node$NODE was never started here (start the cluster first: $0 start --nodes 3)"
    fetch
    start_node "$NODE"
    ;;
  stop)
    for i in 3 2 1; do [[ -d "$RUN/node$i" ]] && stop_pid "$RUN/node$i/pid" "cassandra node$i"; done
    true
    ;;
  status)
    rc=0
    seen=0
    for i in 1 2 3; do
      [[ -d "$RUN/node$i" ]] || continue
      seen=1
      if pid_alive "$RUN/node$i/pid"; then
        echo "cassandra node$i: running (pid $(cat "$RUN/node$i/pid")), CQL $(port_open "127.0.0.$i" 9042 && echo open || echo closed)"
      else
        echo "cassandra node$i: stopped"
        rc=3
      fi
    done
    # no node directory at all: never started from this checkout
    if [[ $seen == 0 ]]; then
      echo "cassandra: stopped (never started here)"
      rc=3
    fi
    exit $rc
    ;;
  *) die "usage: $0 start|stop|status|fetch [--nodes 1|3] | start-node 1|2|3" ;;
esac
