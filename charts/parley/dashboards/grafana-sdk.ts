/**
 * Grafana's foundation SDK, one entry point per package area (its package.json `exports`; the
 * repository's `moduleResolution: node` finds their types through the `paths` in tsconfig.base.json).
 */
export * as common from '@grafana/grafana-foundation-sdk/common';
export * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
export * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
export * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
