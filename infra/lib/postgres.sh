# shellcheck shell=bash
# PostgreSQL from Debian's packages, but our own cluster: data dir under the state dir, own port.
# Postgres refuses to run as root, so initdb and the server run as the `postgres` OS user.

PG_PORT="${PARLEY_POSTGRES_PORT:-55432}"
PG_START_TIMEOUT="${PARLEY_POSTGRES_START_TIMEOUT:-60}"
PG_DIR="$STATE/postgres"
PG_DATA="$PG_DIR/data"
PG_MARK="$PG_DATA"
# Unix socket for admin commands; sun_path is limited to 107 bytes, so fall back to /tmp for long paths.
PG_SOCK="$PG_DIR/run"; (( ${#PG_SOCK} > 80 )) && PG_SOCK="/tmp/parley-pg-$PG_PORT"

pg_bin() { { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n1; }
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# The postgres user must be able to walk down to the data dir. $HOME is usually 0700,
# so grant it search (x) permission only, via an ACL, on each ancestor that blocks it.
pg_grant_traverse() {
  local d="" part parts
  IFS=/ read -ra parts <<<"$PG_DIR"
  for part in "${parts[@]}"; do
    [[ -z $part ]] && continue
    d+="/$part"
    [[ -d $d ]] || break
    as_pg test -x "$d" && continue
    command -v setfacl >/dev/null || apt_install acl
    log "granting the postgres user traverse-only access to $d (ACL u:postgres:x)"
    setfacl -m u:postgres:x "$d"
  done
}

postgres_provision() {
  [[ -n $(pg_bin) && -x $(pg_bin)/postgres ]] || apt_install postgresql
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  mkdir -p "$PG_DATA" "$PG_SOCK"
  chown postgres:postgres "$PG_DIR" "$PG_DATA" "$PG_SOCK"; chmod 700 "$PG_DATA"
  pg_grant_traverse
  [[ -f $PG_DATA/PG_VERSION ]] && return 0
  log "initdb $PG_DATA"
  as_pg "$(pg_bin)/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale -A trust >"$LOGS/postgres-initdb.log" 2>&1 \
    || { tail -n 20 "$LOGS/postgres-initdb.log" >&2; die "postgres: initdb failed"; }
  # Admin over the private unix socket needs no password; apps use TCP with a password.
  cat >"$PG_DATA/pg_hba.conf" <<'HBA'
local all all trust
host  all all 127.0.0.1/32 scram-sha-256
HBA
  chown postgres:postgres "$PG_DATA/pg_hba.conf"
}

postgres_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

postgres_psql() { "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres "$@"; }

# Idempotent: role and database `parley` (password `parley`), created once.
postgres_ensure_db() {
  postgres_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname='parley'" | grep -q 1 \
    || postgres_psql -c "CREATE ROLE parley LOGIN CREATEDB PASSWORD 'parley'"
  postgres_psql -tAc "SELECT 1 FROM pg_database WHERE datname='parley'" | grep -q 1 \
    || postgres_psql -c "CREATE DATABASE parley OWNER parley"
}

postgres_start() {
  if live_pid postgres "$PG_MARK" >/dev/null; then
    postgres_ready && { log "postgres already running (127.0.0.1:$PG_PORT)"; return 0; }
  else
    postgres_provision
    require_free_port postgres "$PG_PORT"
    log "starting postgres $(basename "$(dirname "$(pg_bin)")") on 127.0.0.1:$PG_PORT"
    spawn postgres setpriv --reuid=postgres --regid=postgres --init-groups "$(pg_bin)/postgres" \
      -D "$PG_DATA" -p "$PG_PORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_SOCK" \
      -c max_connections=200
  fi
  wait_for postgres "$PG_START_TIMEOUT" "$PG_MARK" postgres_ready
  postgres_ensure_db || die "postgres: could not create role/database parley"
  log "postgres ready at postgres://parley:parley@127.0.0.1:$PG_PORT/parley"
}

# SIGINT = "fast" shutdown (SIGTERM would wait for every client to disconnect).
postgres_stop() { stop_pid postgres "$PG_MARK" INT 60; }

postgres_status() {
  local pid
  if pid=$(live_pid postgres "$PG_MARK"); then
    printf '%-10s running  pid %-7s 127.0.0.1:%s  rss %s MiB (%s MiB with its child processes)\n' \
      postgres "$pid" "$PG_PORT" "$(rss_mib "$pid")" "$(tree_rss_mib "$pid")"
  else
    printf '%-10s stopped%s\n' postgres "$([[ -f $PG_DATA/PG_VERSION ]] || echo ' (not provisioned)')"
  fi
}
