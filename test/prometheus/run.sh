#!/usr/bin/env bash
# Checks Parley's Prometheus rules and runs their unit tests with promtool (built once with Go by
# infra/bin/parley-infra into ~/.cache/parley/infra/bin). Run from anywhere; CI runs it from test/run-all.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
INFRA=infra/bin/parley-infra
"$INFRA" promtool check rules charts/parley/files/prometheus/*.rules.yaml
"$INFRA" promtool test rules test/prometheus/*.test.yaml
