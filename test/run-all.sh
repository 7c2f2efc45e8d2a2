#!/usr/bin/env bash
# The project's one test command (`npm test`, and CI through .ci/run). On a fresh Debian 12 machine it
# installs what is missing, builds, then runs the unit tier and the end-to-end tier against standalone
# Parley, stopping at the first failing step. The integration tier joins once the mesh exists.
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
  local name="$1"
  shift
  step "jest --selectProjects $name $*"
  # PGlite loads its WebAssembly through a dynamic import, which Jest's VM needs this flag for.
  if ! NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" npx jest --selectProjects "$name" --json --outputFile="$RESULTS/$name.json" "$@"; then
    echo "run-all: the $name tier failed" >&2
    if [ -f "$RESULTS/$name.json" ]; then summary 0; else summary 1; fi
    exit 1
  fi
}

run_tier unit
run_tier e2e --runInBand

summary
