#!/usr/bin/env bash
# HAProxy (and keepalived) from Debian, for the cluster harness and the keepalived test.
#
#   scripts/engines/haproxy.sh install                      # apt-get install haproxy keepalived iproute2 if missing
#   scripts/engines/haproxy.sh config <port> <backend>...   # prints the loopback haproxy.cfg
#   scripts/engines/haproxy.sh start <port> <backend>...    # e.g. start 8080 127.0.0.11:9000 127.0.0.12:9000 127.0.0.13:9000
#   scripts/engines/haproxy.sh stop | status
#
# The generated configuration is deploy/cluster/haproxy/haproxy.cfg with loopback addresses, no
# daemon mode and no privileged port: round-robin, no affinity, `option httpchk GET /api/status`,
# timeouts that let the live stream (SSE, 25 s pings) and long polls (20 s) through.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HAPROXY_DIR="$ENGINES_DIR/haproxy"
PIDFILE="$ENGINES_RUN/haproxy.pid"

install() {
  local missing=()
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  command -v keepalived >/dev/null 2>&1 || missing+=(keepalived)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ "$(id -u)" == 0 ]] || die "haproxy: installing ${missing[*]} needs root (apt-get install -y ${missing[*]})"
  say "haproxy: installing ${missing[*]} from Debian..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# config <port> <backend>...: the loopback variant of deploy/cluster/haproxy/haproxy.cfg.
config() {
  local port="$1" n=0 b
  shift
  [[ $# -ge 1 ]] || die "haproxy: at least one backend host:port is needed"
  cat <<CFG
global
    maxconn 4096
    log stdout format raw local0 notice

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
    option redispatch
    retries 2
    timeout connect 3s
    timeout http-request 30s
    timeout client 75s
    timeout server 75s
    timeout tunnel 1h
    timeout http-keep-alive 10s
    timeout queue 30s

frontend waggle
    bind 127.0.0.1:$port
    # which node answered: lets tests see the round-robin (not in the production configuration)
    http-response set-header X-Waggle-Node %s
    default_backend waggle

backend waggle
    balance roundrobin
    option httpchk GET /api/status
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 on-marked-down shutdown-sessions
CFG
  for b in "$@"; do
    n=$((n + 1))
    echo "    server waggle$n $b check"
  done
}

start() {
  local port="${1:-}"
  [[ -n "$port" ]] || die "usage: $0 start <port> <backend host:port>..."
  shift
  install
  mkdir -p "$HAPROXY_DIR" "$ENGINES_RUN"
  if pid_alive "$PIDFILE"; then
    say "haproxy: already running (pid $(cat "$PIDFILE"))"
    return 0
  fi
  config "$port" "$@" >"$HAPROXY_DIR/haproxy.cfg"
  haproxy -c -q -f "$HAPROXY_DIR/haproxy.cfg" || die "haproxy: invalid configuration $HAPROXY_DIR/haproxy.cfg"
  nohup haproxy -db -f "$HAPROXY_DIR/haproxy.cfg" >"$HAPROXY_DIR/haproxy.log" 2>&1 &
  echo $! >"$PIDFILE"
  wait_port 127.0.0.1 "$port" 30 "$PIDFILE" haproxy "$HAPROXY_DIR/haproxy.log" || die "haproxy: start failed"
  say "haproxy: up on 127.0.0.1:$port (pid $(cat "$PIDFILE")) in front of $*"
}

status() {
  if pid_alive "$PIDFILE"; then
    echo "haproxy: running (pid $(cat "$PIDFILE"))"
  else
    echo "haproxy: not running"
    return 3
  fi
}

cmd="${1:-}"
shift || true
case "$cmd" in
  install) install ;;
  config) config "$@" ;;
  start) start "$@" ;;
  stop) stop_pid "$PIDFILE" haproxy ;;
  status) status ;;
  *) die "usage: $0 install|config|start|stop|status" ;;
esac
