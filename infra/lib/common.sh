# shellcheck shell=bash
# Shared helpers for parley-infra: logging, state layout, pid files, bounded waits.

STATE="${PARLEY_INFRA_DIR:-$HOME/.cache/parley/infra}"
RUN="$STATE/run"       # pid files
LOGS="$STATE/log"      # stdout/stderr of every server we start
JARS="$STATE/jars"     # Maven-fetched jars, reused by every clone on this machine
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log()  { printf '[parley-infra] %s\n' "$*" >&2; }
die()  { printf '[parley-infra] ERROR: %s\n' "$*" >&2; exit 1; }
now()  { date +%s; }

ensure_dirs() { mkdir -p "$RUN" "$LOGS" "$JARS"; }

# Per-name lock so two concurrent invocations (e.g. parallel CI steps) don't
# provision or start the same server twice. Released when the shell exits.
lock() {
  local fd
  exec {fd}>"$RUN/$1.lock"
  flock -w 900 "$fd" || die "timed out waiting for lock $1"
}

# True if something accepts TCP connections on 127.0.0.1:$1 (bash /dev/tcp: no nc needed).
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Pid recorded for $1, if its process is alive and still looks like ours
# ($2 = substring its /proc cmdline must contain; guards against pid reuse).
live_pid() {
  local f="$RUN/$1.pid" pid
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  echo "$pid"
}

# Start "$@" detached in its own session, stdout+stderr to $LOGS/$1.log, stdin closed.
# The pid is written by the child itself right before exec, so it is exact.
spawn() {
  local name=$1; shift
  printf '\n==== %s starting %s\n' "$(date -Is)" "$name" >>"$LOGS/$name.log"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" \
    >>"$LOGS/$name.log" 2>&1 </dev/null &
  local i; for i in $(seq 50); do [[ -s $RUN/$name.pid ]] && return 0; sleep 0.1; done
  die "$name did not record its pid"
}

# wait_for NAME TIMEOUT_S MARKER CHECK_CMD... : poll CHECK_CMD until it succeeds.
# Fails fast if the process dies, and prints the log tail on failure or timeout.
wait_for() {
  local name=$1 timeout=$2 marker=$3; shift 3
  local deadline=$(( $(now) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! live_pid "$name" "$marker" >/dev/null; then
      tail -n 40 "$LOGS/$name.log" >&2; die "$name exited during startup (log: $LOGS/$name.log)"
    fi
    if (( $(now) >= deadline )); then
      tail -n 40 "$LOGS/$name.log" >&2; die "$name not ready after ${timeout}s (log: $LOGS/$name.log)"
    fi
    sleep 1
  done
}

# stop_pid NAME MARKER [SIGNAL] [TIMEOUT_S]: signal, wait, then SIGKILL; remove pid file.
stop_pid() {
  local name=$1 marker=$2 sig=${3:-TERM} timeout=${4:-60} pid
  if ! pid=$(live_pid "$name" "$marker"); then rm -f "$RUN/$name.pid"; return 0; fi
  log "stopping $name (pid $pid, SIG$sig)"
  kill -s "$sig" "$pid" 2>/dev/null || true
  local deadline=$(( $(now) + timeout ))
  while kill -0 "$pid" 2>/dev/null; do
    if (( $(now) >= deadline )); then
      log "$name still alive after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true; sleep 1; break
    fi
    sleep 0.5
  done
  rm -f "$RUN/$name.pid"
}

# Refuse to start on a port that some other process already holds.
require_free_port() {
  port_open "$2" && die "$1: port $2 is already in use by a process not started by parley-infra"
  return 0
}

# Resident memory of a pid in MiB (VmRSS), for status and docs.
rss_mib() { awk '/^VmRSS:/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# apt-get install without starting Debian's own service instances (we run ours).
apt_install() {
  log "apt-get install $*"
  local policy=/usr/sbin/policy-rc.d added=
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1; fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null >&2; then
    # Package lists may be missing on a fresh machine: refresh once and retry.
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" </dev/null >&2 \
      || { [[ -n $added ]] && rm -f "$policy"; die "apt-get install $* failed"; }
  fi
  [[ -n $added ]] && rm -f "$policy"
  return 0
}

# Fetch ARTIFACTS (g:a:v ...) plus their runtime dependencies into DIR using Maven.
# Done once per version: a .complete marker makes re-runs a no-op, ~/.m2 caches the rest.
maven_fetch() {
  local dir=$1; shift
  [[ -f $dir/.complete ]] && return 0
  command -v mvn >/dev/null || die "mvn not found (needed to fetch ${*})"
  local work deps="" a g n v
  work=$(mktemp -d) ; rm -rf "$dir.tmp"
  for a in "$@"; do
    IFS=: read -r g n v <<<"$a"
    deps+="<dependency><groupId>$g</groupId><artifactId>$n</artifactId><version>$v</version></dependency>"
  done
  cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>parley.infra</groupId><artifactId>fetch</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>$deps</dependencies></project>
POM
  log "fetching $* (+ runtime dependencies) with Maven into $dir"
  mvn -B -q -f "$work/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dir.tmp" </dev/null >&2 \
    || { rm -rf "$work" "$dir.tmp"; die "Maven could not fetch $*"; }
  rm -rf "$work" "$dir"; mv "$dir.tmp" "$dir"; touch "$dir/.complete"
}

# Substitute @KEY@ placeholders in a template: render TEMPLATE OUT KEY=VALUE...
render() {
  local tmpl=$1 out=$2 kv script=""; shift 2
  for kv in "$@"; do script+="s|@${kv%%=*}@|${kv#*=}|g;"; done
  sed -e "$script" "$tmpl" >"$out"
}
