# shellcheck shell=bash
# Shared helpers for parley-infra: logging, state layout, pid files, bounded waits.

STATE="${PARLEY_INFRA_DIR:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/parley/infra}"
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
LOCK_FDS=()
lock() {
  local fd
  exec {fd}>"$RUN/$1.lock"
  flock -w 900 "$fd" || die "timed out waiting for lock $1"
  LOCK_FDS+=("$fd")
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
  rm -f "$RUN/$name.pid"
  printf '\n==== %s starting %s\n' "$(date -Is)" "$name" >>"$LOGS/$name.log"
  (
    # Servers must not inherit our lock fds, or they would hold the locks forever.
    for fd in "${LOCK_FDS[@]}"; do eval "exec $fd>&-"; done
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@"
  ) >>"$LOGS/$name.log" 2>&1 </dev/null &
  local i; for i in $(seq 50); do [[ -s $RUN/$name.pid ]] && return 0; sleep 0.1; done
  die "$name did not record its pid"
}

show_log() {
  local f
  for f in "$LOGS/$1.log" ${WAIT_LOG:+"$WAIT_LOG"}; do
    [[ -f $f ]] && { printf '%s\n' "---- last lines of $f" >&2; tail -n 30 "$f" | cut -c1-300 >&2; }
  done
  return 0
}

# wait_for NAME TIMEOUT_S MARKER CHECK_CMD... : poll CHECK_CMD until it succeeds.
# Fails fast if the process dies, and prints the log tail ($LOGS/NAME.log, plus
# WAIT_LOG if the caller sets it) on failure or timeout.
wait_for() {
  local name=$1 timeout=$2 marker=$3; shift 3
  local deadline=$(( $(now) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! live_pid "$name" "$marker" >/dev/null; then
      show_log "$name"; die "$name exited during startup"
    fi
    if (( $(now) >= deadline )); then
      show_log "$name"
      die "$name not ready after ${timeout}s; it is left running (pid $(<"$RUN/$name.pid")): 'parley-infra stop' kills it"
    fi
    sleep 0.25
  done
}

# stop_pid NAME MARKER [SIGNAL] [TIMEOUT_S]: signal, wait, then SIGKILL; remove pid file.
# SIGNAL "-" = already signalled by the caller, only wait.
stop_pid() {
  local name=$1 marker=$2 sig=${3:-TERM} timeout=${4:-60} pid
  if ! pid=$(live_pid "$name" "$marker"); then rm -f "$RUN/$name.pid"; return 0; fi
  if [[ $sig != - ]]; then
    log "stopping $name (pid $pid, SIG$sig)"
    kill -s "$sig" "$pid" 2>/dev/null || true
  fi
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

# Resident memory (VmRSS) in MiB of a pid, or of a pid plus its children (postgres backends).
rss_mib() { awk '/^VmRSS:/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
tree_rss_mib() {
  local p kb=0 k
  for p in "$1" $(ps -o pid= --ppid "$1" 2>/dev/null); do
    k=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) && kb=$((kb + ${k:-0}))
  done
  echo $((kb / 1024))
}

# apt-get install without starting Debian's own service instances (we run ours).
apt_install() {
  lock apt   # dpkg allows one install at a time; targets may provision in parallel
  log "apt-get install $*"
  local policy=/usr/sbin/policy-rc.d added=
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1; fi
  local out="$LOGS/apt.log" ok=1
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@" </dev/null >>"$out" 2>&1; then
    # Package lists may be missing or stale on a fresh machine: refresh once and retry.
    { apt-get update -q && apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@"; } </dev/null >>"$out" 2>&1 || ok=
  fi
  [[ -n $added ]] && rm -f "$policy"
  [[ -n $ok ]] || { tail -n 20 "$out" >&2; die "apt-get install $* failed (log: $out)"; }
  return 0
}

# Kafka 4 needs Java 17+; Maven fetches the jars. Install Debian's if the machine lacks them.
need_java_maven() {
  local v
  [[ -z ${JAVA_HOME:-} ]] && ! command -v java >/dev/null && apt_install openjdk-17-jre-headless
  v=$({ "$JAVA" -XshowSettings:properties -version 2>&1 || true; } | awk -F' = ' '/java.specification.version/ {print $2}')
  [[ $v =~ ^[0-9]+ ]] && (( BASH_REMATCH[0] >= 17 )) || die "Java 17+ required, '$JAVA' is '${v:-missing}' (set JAVA_HOME)"
  command -v mvn >/dev/null || apt_install maven
}

# Fetch ARTIFACTS (g:a:v ...) plus their runtime dependencies into DIR using Maven.
# Done once: DIR/.complete records the artifact list, so re-runs are a no-op unless it
# changes; Maven's ~/.m2 cache makes even a re-fetch fast.
maven_fetch() {
  local dir=$1; shift
  [[ -f $dir/.complete && $(<"$dir/.complete") == "$*" ]] && return 0
  need_java_maven
  lock maven  # concurrent Maven runs on one ~/.m2 can corrupt it
  [[ -f $dir/.complete && $(<"$dir/.complete") == "$*" ]] && return 0
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
    -DincludeScope=runtime -DoutputDirectory="$dir.tmp" </dev/null >"$work/mvn.log" 2>&1 \
    || { grep -v '^\s*$' "$work/mvn.log" | tail -n 30 >&2; rm -rf "$work" "$dir.tmp"; die "Maven could not fetch $*"; }
  rm -rf "$work" "$dir"; mv "$dir.tmp" "$dir"; echo "$*" >"$dir/.complete"
}

# Substitute @KEY@ placeholders in a template: render TEMPLATE OUT KEY=VALUE...
render() {
  local tmpl=$1 out=$2 kv script=""; shift 2
  for kv in "$@"; do script+="s|@${kv%%=*}@|${kv#*=}|g;"; done
  sed -e "$script" "$tmpl" >"$out"
}
