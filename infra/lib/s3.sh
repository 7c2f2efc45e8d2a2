# shellcheck shell=bash
# SeaweedFS (Apache-2.0) as the S3-compatible server of the mesh's attachments: one `weed server`
# process (master, volume, filer and the S3 gateway) on loopback, built once from the Go module
# proxy like Jaeger (jaeger.sh: go_build_tool). Not MinIO: its server is AGPL.
# Credentials are made on first provision (random, in the state dir, never in the repo).

S3_WEED_MODULE="${PARLEY_S3_WEED_MODULE:-github.com/seaweedfs/seaweedfs}"
S3_WEED_VERSION="${PARLEY_S3_WEED_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
# One block of ports, below the ephemeral range (32768+, where an outgoing connection could hold
# one) and below the end-to-end meshes' gRPC blocks (20000-31999): the S3 API, then the master,
# volume and filer, each followed by its gRPC port (set explicitly: the defaults add 10000).
S3_PORT="${PARLEY_S3_PORT:-18333}"
S3_MASTER_PORT=$((S3_PORT + 2))
S3_VOLUME_PORT=$((S3_PORT + 4))
S3_FILER_PORT=$((S3_PORT + 6))
S3_START_TIMEOUT="${PARLEY_S3_START_TIMEOUT:-90}"
S3_DIR="$STATE/s3"
S3_DATA="$S3_DIR/data"
S3_BIN="$STATE/bin/weed-${S3_WEED_VERSION##*-}"
S3_CONF="$S3_DIR/s3.json"
S3_CREDS="$S3_DIR/credentials"
S3_MARK="$S3_CONF"

s3_provision() {
  # need_go and go_build_tool come from jaeger.sh.
  go_build_tool "$S3_BIN" "$S3_WEED_MODULE/weed@$S3_WEED_VERSION" "$S3_WEED_MODULE/weed"
  mkdir -p "$S3_DATA"
  if [[ ! -s $S3_CREDS ]]; then
    umask 077
    printf '%s %s\n' "parley$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >"$S3_CREDS"
  fi
}

s3_keys() { read -r S3_ACCESS_KEY S3_SECRET_KEY <"$S3_CREDS"; }

s3_write_conf() {
  s3_keys
  umask 077
  cat >"$S3_CONF" <<CONF
{"identities": [{"name": "parley", "credentials": [{"accessKey": "$S3_ACCESS_KEY", "secretKey": "$S3_SECRET_KEY"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
CONF
}

# Ready when the S3 API answers and the master assigns file ids: a master restarted over existing
# volumes refuses assignments ("warming up", 503) for a few heartbeats, and the first upload in
# that window fails or stalls (CI saw a 15 s request timeout). An assignment writes nothing.
s3_ready() {
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" | grep -qE '^(200|403)$' &&
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_MASTER_PORT/dir/assign" | grep -qx 200
}

s3_start() {
  if live_pid s3 "$S3_MARK" >/dev/null; then
    s3_ready && { log "s3 already running (http://127.0.0.1:$S3_PORT)"; return 0; }
  else
    s3_provision
    local p; for p in $(seq "$S3_PORT" $((S3_PORT + 7))); do require_free_port s3 "$p"; done
    s3_write_conf
    log "starting s3 (SeaweedFS; S3 API 127.0.0.1:$S3_PORT)"
    spawn s3 "$S3_BIN" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$S3_DATA" \
      -master.port="$S3_MASTER_PORT" -master.port.grpc=$((S3_MASTER_PORT + 1)) -master.volumeSizeLimitMB=32 \
      -volume.port="$S3_VOLUME_PORT" -volume.port.grpc=$((S3_VOLUME_PORT + 1)) -volume.max=100 \
      -filer -filer.port="$S3_FILER_PORT" -filer.port.grpc=$((S3_FILER_PORT + 1)) \
      -s3 -s3.port="$S3_PORT" -s3.port.grpc=$((S3_PORT + 1)) -s3.config="$S3_CONF"
  fi
  wait_for s3 "$S3_START_TIMEOUT" "$S3_MARK" s3_ready
  log "s3 ready: http://127.0.0.1:$S3_PORT"
}

s3_stop() { stop_pid s3 "$S3_MARK" TERM 30; }

s3_status() {
  local pid
  if pid=$(live_pid s3 "$S3_MARK"); then
    printf '%-10s running  pid %-7s 127.0.0.1:%s  rss %s MiB\n' s3 "$pid" "$S3_PORT" "$(rss_mib "$pid")"
  else
    printf '%-10s stopped%s\n' s3 "$([[ -x $S3_BIN ]] || echo ' (not provisioned)')"
  fi
}

# Shell exports for tests and the mesh (the credentials made at provision).
s3_env() {
  [[ -s $S3_CREDS ]] || return 0
  s3_keys
  cat <<ENV
export PARLEY_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export PARLEY_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY
export PARLEY_S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY
ENV
}
