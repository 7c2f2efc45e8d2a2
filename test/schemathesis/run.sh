#!/usr/bin/env bash
# Fuzzes standalone Parley from its own OpenAPI document with schemathesis (PyPI; a test tool, not
# part of the product): every operation, authenticated, with the examples, coverage, fuzzing and
# stateful phases, failing on any 5xx and on any response that breaks the document (status, content
# type, schema, Allow). Bounded in time; starts Parley on a free port and stops it by pid.
#   test/schemathesis/run.sh [seconds]     (default 180; needs `npm run build` first)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUDGET="${1:-180}"
ST_VERSION=4.32.5
VENV="${HOME}/.cache/parley/schemathesis-${ST_VERSION}"
# A venv cannot move (its scripts name their own path): built in place, marked complete by a stamp.
if [ ! -f "$VENV/.complete" ]; then
  echo "[schemathesis] installing schemathesis ${ST_VERSION} into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==${ST_VERSION}"
  touch "$VENV/.complete"
fi

DATA="$(mktemp -d "${TMPDIR:-/tmp}/parley-st.XXXXXX")"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
LOG="$DATA/parley.log"
PARLEY_PORT="$PORT" PARLEY_HOST=127.0.0.1 PARLEY_DATA_DIR="$DATA/data" PARLEY_LOG_LEVEL=warn PARLEY_PASSWORD_HASH_COST=test \
  PARLEY_AUTH_ATTEMPTS_PER_MINUTE=1000000 PARLEY_REGISTRATIONS_PER_MINUTE=1000000 PARLEY_SEND_RATE_PER_SECOND=100000 \
  node dist/apps/standalone/src/main.js >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
BASE="http://127.0.0.1:${PORT}"
status=0
for _ in $(seq 120); do curl -sf "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$BASE/readyz" >/dev/null || { echo "[schemathesis] Parley did not become ready"; tail -30 "$LOG"; exit 1; }

# One user the fuzzer acts as, and a second one so that member ids can name somebody real.
register() { curl -sf "$BASE/v1/auth/register" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"fuzzing password\"}"; }
TOKEN="$(register fuzzer | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
register other >/dev/null

"$VENV/bin/st" --config-file test/schemathesis/schemathesis.toml run "$BASE/v1/openapi.json" \
  --header "Authorization: Bearer ${TOKEN}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,unsupported_method,allow_header_conformance \
  --phases examples,coverage,fuzzing,stateful \
  --max-time "$BUDGET" --workers 1 --request-timeout 10 --max-failures 20 \
  --exclude-path /v1/auth/logout \
  --suppress-health-check all --warnings off || status=$?
if grep -q '"level":"error"' "$LOG"; then echo "[schemathesis] the server logged errors:"; grep '"level":"error"' "$LOG" | head -20; exit 1; fi
exit $status
