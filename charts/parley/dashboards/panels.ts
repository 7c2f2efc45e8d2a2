/**
 * A small typed builder for Grafana dashboard JSON (schemaVersion 39): only what Parley's
 * dashboards use. Every query is PromQL over the metrics the processes export on their admin
 * ports; test/e2e/metric-names.e2e.ts fails when one names a metric that no process exports.
 */
export interface Target {
  expr: string;
  legendFormat: string;
}

export interface Panel {
  title: string;
  description: string;
  unit: 's' | 'short' | 'percentunit' | 'reqps' | 'bytes' | 'ops';
  targets: Target[];
}

export interface Row {
  title: string;
  panels: Panel[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  rows: Row[];
}

/** `{namespace=~"$namespace"}` and friends: every query is filtered by the dashboard's variables. */
export const SEL = 'namespace=~"$namespace"';

export const q = (expr: string, legendFormat: string): Target => ({ expr, legendFormat });

/** p50/p99 of a histogram (seconds), optionally by a label. */
export function quantiles(metric: string, by = ''): Target[] {
  const group = by ? `le, ${by}` : 'le';
  const legend = by ? `{{${by}}} ` : '';
  return [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (${group}) (rate(${metric}_bucket{${SEL}}[$__rate_interval])))`, `${legend}p${p * 100}`));
}

export function rate(metric: string, by: string, legend = `{{${by}}}`): Target {
  return q(`sum by (${by}) (rate(${metric}{${SEL}}[$__rate_interval]))`, legend);
}

/** The dashboard JSON Grafana imports (the chart ships it in a ConfigMap for the dashboard sidecar). */
export function render(spec: DashboardSpec): Record<string, unknown> {
  let id = 1;
  let y = 0;
  const panels: Record<string, unknown>[] = [];
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ }, panels: [] });
    row.panels.forEach((p, i) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: p.title,
        description: p.description,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legendFormat, datasource: { type: 'prometheus', uid: '${datasource}' } })),
      });
    });
    y += Math.ceil(row.panels.length / 2) * 8;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['parley'],
    editable: true,
    graphTooltip: 1,
    refresh: '30s',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, options: [] },
        {
          name: 'namespace',
          label: 'Namespace',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: 'label_values(process_start_time_seconds, namespace)', refId: 'namespace' },
          definition: 'label_values(process_start_time_seconds, namespace)',
          refresh: 2,
          current: {},
          hide: 0,
          includeAll: true,
          allValue: '.*',
          multi: false,
          options: [],
          sort: 1,
        },
      ],
    },
    panels,
  };
}

/** Every PromQL expression of a dashboard (for the metric-name check). */
export function expressions(spec: DashboardSpec): string[] {
  return spec.rows.flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr)));
}
