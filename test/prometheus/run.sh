#!/usr/bin/env bash
# Checks Parley's Prometheus rules and runs their unit tests with promtool (built once with Go by
# infra/bin/parley-infra into ~/.cache/parley/infra/bin): the SLO rules file the chart ships
# (charts/parley/files/prometheus/) and the chart's own PrometheusRule template, rendered by helm
# into dist/prometheus/chart.rules.yaml first. Run from anywhere; CI runs it from test/run-all.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
INFRA=infra/bin/parley-infra
npx esbuild test/prometheus/chart-rules.ts --bundle --platform=node --target=node20 --log-level=warning --outfile=dist/prometheus/chart-rules.js
node dist/prometheus/chart-rules.js dist/prometheus/chart.rules.yaml
"$INFRA" promtool check rules charts/parley/files/prometheus/*.rules.yaml dist/prometheus/chart.rules.yaml
"$INFRA" promtool test rules test/prometheus/*.test.yaml
