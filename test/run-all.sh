#!/usr/bin/env bash
# The project's one test command (`npm test`, and CI through .ci/run). On a fresh Debian 12 machine it
# installs what is missing, builds, then runs the unit tier and the end-to-end tier against standalone
# Parley, then starts Jaeger, Kafka, Cassandra, Postgres and Redis (infra/) for the integration tier, the same
# end-to-end suites against the mesh, the fault tests and the scale test; it stops at the first failing step.
# The Prometheus rule tests (promtool) run after the unit tier.
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

# Chromium drives the browser suite; nothing else is needed from Debian yet.
if [ ! -x /usr/bin/chromium ]; then
  step "installing chromium"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

if [ ! -d node_modules ] || ! node test/support/node-modules-stale.js; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

step "npm run build"
npm run build

# Jaeger and promtool are Go builds (minutes on 2 cores, once per machine: cached under
# ~/.cache/parley/infra/bin). They start now, beside the unit tier; the rule tests wait for them.
GO_TOOLS_LOG="$RESULTS/go-tools.log"
( infra/bin/parley-infra provision jaeger && infra/bin/parley-infra promtool --version ) >"$GO_TOOLS_LOG" 2>&1 &
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
if ! wait "$GO_TOOLS_PID"; then
  cat "$GO_TOOLS_LOG" >&2
  echo "run-all: building jaeger or promtool failed" >&2
  summary 1
  exit 1
fi
bash test/prometheus/run.sh

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
for target in kafka cassandra postgres redis jaeger; do
  if ! "$INFRA" status "$target" 2>/dev/null | grep -q running; then STARTED_INFRA+=("$target"); fi
done
# Jaeger first: the end-to-end tiers (standalone, then mesh) read their traces back from it.
step "starting jaeger (trace backend of the tracing end-to-end test)"
"$INFRA" start jaeger
step "starting kafka, cassandra, postgres, redis"
"$INFRA" start all
eval "$("$INFRA" env)"

# --forceExit: a cassandra-driver client that failed to connect keeps a reconnect timer alive
# after shutdown(), so Jest would wait forever after a green run (noted on the issue).
run_tier integration --runInBand --forceExit
run_tier e2e --runInBand
step "the end-to-end suites again, against the mesh"
PARLEY_E2E_TARGET=mesh run_tier_as e2e-mesh e2e --runInBand
step "fault tests against the mesh (kill, pause, Kafka outage)"
PARLEY_E2E_TARGET=mesh run_tier fault --runInBand
step "scale test against a two-gateway mesh (10,000 members, a gateway killed)"
PARLEY_E2E_TARGET=mesh run_tier scale --runInBand

summary
