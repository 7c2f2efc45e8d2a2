# shellcheck shell=bash
# Apache Cassandra 5.0 single node on loopback, run from the cassandra-all jar on Maven Central
# (what bin/cassandra would do, minus the tarball): jamm agent + JDK 17 module flags.

CASSANDRA_VERSION="${PARLEY_CASSANDRA_VERSION:-5.0.9}"
CASSANDRA_LIB="$JARS/cassandra-$CASSANDRA_VERSION"
CASSANDRA_PORT="${PARLEY_CASSANDRA_PORT:-9042}"
CASSANDRA_STORAGE_PORT="${PARLEY_CASSANDRA_STORAGE_PORT:-7000}"
CASSANDRA_JMX_PORT="${PARLEY_CASSANDRA_JMX_PORT:-7199}"
CASSANDRA_HEAP="${PARLEY_CASSANDRA_HEAP:--Xms512m -Xmx1g}"
CASSANDRA_START_TIMEOUT="${PARLEY_CASSANDRA_START_TIMEOUT:-240}"
# periodic (Cassandra's default: a write is acknowledged before its commit log is synced, so a
# single node killed loses up to the period's writes) or group (acknowledged once synced, batched
# every 10 ms: what the fault tier's own Cassandra uses for its SIGKILL scenario).
CASSANDRA_COMMITLOG_SYNC="${PARLEY_CASSANDRA_COMMITLOG_SYNC:-periodic}"
CASSANDRA_DIR="$STATE/cassandra"
CASSANDRA_MARK="$CASSANDRA_DIR/"

# From Cassandra's conf/jvm17-server.options: module access its internals need on JDK 17.
CASSANDRA_JDK17_FLAGS=(
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true
)

cassandra_provision() {
  maven_fetch "$CASSANDRA_LIB" "org.apache.cassandra:cassandra-all:$CASSANDRA_VERSION"
  mkdir -p "$CASSANDRA_DIR/conf" "$CASSANDRA_DIR/logs" "$CASSANDRA_DIR/triggers"
  render "$INFRA_HOME/conf/cassandra.yaml" "$CASSANDRA_DIR/conf/cassandra.yaml" \
    DIR="$CASSANDRA_DIR" NATIVE_PORT="$CASSANDRA_PORT" STORAGE_PORT="$CASSANDRA_STORAGE_PORT"
  case $CASSANDRA_COMMITLOG_SYNC in
    periodic) ;;
    group) sed -i -e 's|^commitlog_sync: periodic$|commitlog_sync: group|' \
                  -e 's|^commitlog_sync_period: .*$|commitlog_sync_group_window: 10ms|' "$CASSANDRA_DIR/conf/cassandra.yaml" ;;
    *) die "PARLEY_CASSANDRA_COMMITLOG_SYNC must be periodic or group, got '$CASSANDRA_COMMITLOG_SYNC'" ;;
  esac
  cp "$INFRA_HOME/conf/cassandra-logback.xml" "$CASSANDRA_DIR/conf/logback.xml"
}

# Ready = the native port speaks CQL: send an OPTIONS frame (protocol v4) and expect SUPPORTED
# (opcode 0x06) back. This is what a driver does first, so the driver will connect too.
cassandra_ready() {
  timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$CASSANDRA_PORT"' &&
    printf "\x04\x00\x00\x00\x05\x00\x00\x00\x00" >&3 && head -c 9 <&3' 2>/dev/null \
    | od -An -tx1 | tr -d ' \n' | grep -q '^8400000006'   # v4 response, stream 0, SUPPORTED
}

cassandra_start() {
  if live_pid cassandra "$CASSANDRA_MARK" >/dev/null; then
    cassandra_ready && { log "cassandra already running (127.0.0.1:$CASSANDRA_PORT)"; return 0; }
    log "cassandra process is up but CQL not answering yet; waiting"
  else
    cassandra_provision
    require_free_port cassandra "$CASSANDRA_PORT"; require_free_port cassandra "$CASSANDRA_STORAGE_PORT"
    local jamm; jamm=$(ls "$CASSANDRA_LIB"/jamm-*.jar 2>/dev/null | head -n1)
    [[ -n $jamm ]] || die "cassandra: jamm jar missing from $CASSANDRA_LIB"
    log "starting cassandra $CASSANDRA_VERSION on 127.0.0.1:$CASSANDRA_PORT"
    # shellcheck disable=SC2086  # heap options are intentionally word-split
    spawn cassandra "$JAVA" $CASSANDRA_HEAP -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled \
      -XX:MaxGCPauseMillis=300 -XX:+ExitOnOutOfMemoryError -XX:+PerfDisableSharedMem \
      -Djava.net.preferIPv4Stack=true "${CASSANDRA_JDK17_FLAGS[@]}" -javaagent:"$jamm" \
      -Dcassandra.config="file://$CASSANDRA_DIR/conf/cassandra.yaml" \
      -Dlogback.configurationFile="$CASSANDRA_DIR/conf/logback.xml" \
      -Dcassandra.logdir="$CASSANDRA_DIR/logs" -Dcassandra.storagedir="$CASSANDRA_DIR" \
      -Dcassandra.triggers_dir="$CASSANDRA_DIR/triggers" -Djna.tmpdir="$CASSANDRA_DIR/tmp" \
      -Dcassandra-foreground=yes -Dcassandra.jmx.local.port="$CASSANDRA_JMX_PORT" \
      `# single node, never joins anyone: skip the waits meant for real clusters` \
      -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=100 \
      -Dcassandra.superuser_setup_delay_ms=0 \
      -cp "$CASSANDRA_DIR/conf:$CASSANDRA_LIB/*" org.apache.cassandra.service.CassandraDaemon
  fi
  WAIT_LOG="$CASSANDRA_DIR/logs/system.log" \
    wait_for cassandra "$CASSANDRA_START_TIMEOUT" "$CASSANDRA_MARK" cassandra_ready
  log "cassandra ready at 127.0.0.1:$CASSANDRA_PORT (dc datacenter1)"
}

cassandra_stop() { stop_pid cassandra "$CASSANDRA_MARK" TERM 90; }

cassandra_status() {
  local pid
  if pid=$(live_pid cassandra "$CASSANDRA_MARK"); then
    printf '%-10s running  pid %-7s 127.0.0.1:%s  rss %s MiB\n' cassandra "$pid" "$CASSANDRA_PORT" "$(rss_mib "$pid")"
  else
    printf '%-10s stopped%s\n' cassandra "$([[ -f $CASSANDRA_LIB/.complete ]] || echo ' (not provisioned)')"
  fi
}
