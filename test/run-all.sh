#!/usr/bin/env bash
# The project's one test command (`npm test`, and CI through .ci/run). On a fresh Debian 12 machine it
# installs what is missing, builds and writes the OCI image, then runs the unit tier (and the
# Prometheus rule tests, promtool) and the schemathesis fuzz against standalone Parley, then starts
# Jaeger, Kafka, Cassandra, Postgres and Redis (infra/) for the integration tier, the image run as
# containers, the end-to-end suites against standalone and against the mesh, the fault tests and the
# scale tests; it stops at the first failing step.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
RESULTS="$(mktemp -d "${TMPDIR:-/tmp}/parley-test-results.XXXXXX")"
trap 'rm -rf "$RESULTS"' EXIT

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    echo "run-all: '$*' needs root (or sudo)" >&2
    return 1
  fi
}

# Chromium drives the browser suite; the openssl CLI makes the throw-away CA of the push and TLS tests;
# umoci unpacks and runc runs the OCI image (test/image).
MISSING_DEBS=()
[ -x /usr/bin/chromium ] || MISSING_DEBS+=(chromium)
command -v openssl >/dev/null 2>&1 || MISSING_DEBS+=(openssl)
command -v umoci >/dev/null 2>&1 || MISSING_DEBS+=(umoci)
command -v runc >/dev/null 2>&1 || MISSING_DEBS+=(runc)
if [ "${#MISSING_DEBS[@]}" -gt 0 ]; then
  step "installing ${MISSING_DEBS[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${MISSING_DEBS[@]}"
fi

if [ ! -d node_modules ] || ! node test/support/node-modules-stale.js; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "npm run image (builds, then writes the OCI image to dist/image/)"
npm run image

# Jaeger and promtool are Go builds (minutes on 2 cores, once per machine: cached under
# ~/.cache/parley/infra/bin). They start now, beside the unit tier; the rule tests wait for them.
GO_TOOLS_LOG="$RESULTS/go-tools.log"
# SeaweedFS (the S3 server of the mesh's attachments, infra/lib/s3.sh) is the third, built after them
# (the longest: tens of minutes cold); the rule tests wait only for the first two (a marker file),
# the integration tier for all three.
GO_TOOLS_READY="$RESULTS/go-tools-rules-ready"
( infra/bin/parley-infra provision jaeger && infra/bin/parley-infra promtool --version && touch "$GO_TOOLS_READY" && infra/bin/parley-infra provision s3 ) >"$GO_TOOLS_LOG" 2>&1 &
GO_TOOLS_PID=$!
stop_go_tools() { kill -- "$GO_TOOLS_PID" 2>/dev/null || true; }
trap 'stop_go_tools; rm -rf "$RESULTS"' EXIT

# Sums the Jest JSON results written so far into one closing line: "jest: N passed, N failed, N skipped".
# $1 counts extra failures (a tier whose runner crashed before writing its results).
summary() {
  node -e '
    const fs = require("fs");
    let passed = 0, failed = Number(process.argv[1]), skipped = 0, suitesFailed = 0;
    for (const f of process.argv.slice(2)) {
      if (!fs.existsSync(f)) continue;
      const r = JSON.parse(fs.readFileSync(f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests;
      skipped += r.numPendingTests + r.numTodoTests;
      suitesFailed += r.numRuntimeErrorTestSuites;
    }
    // A suite that failed to run counts as a failure even when it had no test that could fail.
    console.log(`jest: ${passed} passed, ${failed + suitesFailed} failed, ${skipped} skipped`);
  ' "${1:-0}" "$RESULTS"/*.json
}

run_tier() {
  run_tier_as "$1" "$@"
}

# run_tier_as RESULT_NAME PROJECT [JEST ARGS...]
run_tier_as() {
  local label="$1" name="$2"
  shift 2
  step "jest --selectProjects $name $* ($label)"
  # PGlite loads its WebAssembly through a dynamic import, which Jest's VM needs this flag for.
  if ! NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" npx jest --selectProjects "$name" --json --outputFile="$RESULTS/$label.json" "$@"; then
    echo "run-all: the $label tier failed" >&2
    if [ -f "$RESULTS/$label.json" ]; then summary 0; else summary 1; fi
    exit 1
  fi
}

run_tier unit

# Prometheus rules and their unit tests (promtool, built once with Go into ~/.cache/parley).
step "promtool check rules + test rules (docs/slo.md)"
while [ ! -e "$GO_TOOLS_READY" ] && kill -0 "$GO_TOOLS_PID" 2>/dev/null; do sleep 2; done
if [ ! -e "$GO_TOOLS_READY" ]; then
  cat "$GO_TOOLS_LOG" >&2
  echo "run-all: building jaeger or promtool failed" >&2
  summary 1
  exit 1
fi
bash test/prometheus/run.sh

# The REST contract fuzzed from its own OpenAPI document (schemathesis, from PyPI, cached under ~/.cache/parley).
step "schemathesis against standalone Parley (/v1/openapi.json)"
bash test/schemathesis/run.sh 120

# Real servers for the integration tier and the mesh: started here, stopped on exit — but only
# those this run started (a developer's already-running servers are left alone).
INFRA="$ROOT/infra/bin/parley-infra"
STARTED_INFRA=()
stop_infra() {
  if [ "${#STARTED_INFRA[@]}" -gt 0 ]; then
    step "stopping ${STARTED_INFRA[*]}"
    "$INFRA" stop "${STARTED_INFRA[@]}" || true
  fi
}
trap 'stop_go_tools; stop_infra; rm -rf "$RESULTS"' EXIT
for target in kafka cassandra postgres redis jaeger s3; do
  if ! "$INFRA" status "$target" 2>/dev/null | grep -q running; then STARTED_INFRA+=("$target"); fi
done
# Jaeger first: the end-to-end tiers (standalone, then mesh) read their traces back from it.
step "waiting for the Go builds (jaeger, promtool, seaweedfs)"
if ! wait "$GO_TOOLS_PID"; then
  cat "$GO_TOOLS_LOG" >&2
  echo "run-all: building jaeger, promtool or seaweedfs failed" >&2
  summary 1
  exit 1
fi
step "starting jaeger (trace backend of the tracing end-to-end test)"
"$INFRA" start jaeger
# The S3 server of the mesh's attachments (its integration suite and the mesh end-to-end tier),
# started beside the others: after a restart its master waits out a warm-up of a few heartbeats.
step "starting kafka, cassandra, postgres, redis and s3 (SeaweedFS)"
"$INFRA" start s3 &
S3_START_PID=$!
"$INFRA" start all
wait "$S3_START_PID"
eval "$("$INFRA" env)"

# No --forceExit (issue 12): the cassandra-driver timers that kept Jest alive after a green run are
# fixed in libs/adapters/src/cassandra/cassandra-driver-fixes.ts (a closed connection's heartbeat, an
# orphaned host's health counter, and the last one: an orphaned host's pool rescheduling its
# reconnection attempt forever, found with a dump of the live timers after a Kafka + Cassandra run).
run_tier integration --runInBand
# runc needs root (CI runs as root): the containers themselves run as uid 10001.
step "the OCI image run as containers (runc, non-root, read-only root)"
run_tier image --runInBand --forceExit
run_tier e2e --runInBand
step "the end-to-end suites again, against the mesh"
PARLEY_E2E_TARGET=mesh run_tier_as e2e-mesh e2e --runInBand
step "fault tests against the mesh (kill, pause, Kafka outage, rolling restart, data servers, Kafka leader, rebalance)"
PARLEY_E2E_TARGET=mesh run_tier fault --runInBand
step "scale tests against the mesh (10,000 members: a gateway killed; pushes to the mentioned only)"
PARLEY_E2E_TARGET=mesh run_tier scale --runInBand

summary
