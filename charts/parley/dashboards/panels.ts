import { common, dashboard, prometheus, timeseries } from './grafana-sdk';

/**
 * Parley's dashboards as data (rows of panels of PromQL targets), rendered to Grafana JSON with
 * Grafana's foundation SDK. Every query is PromQL over the metrics the processes export on their admin
 * ports; test/e2e/metric-names.e2e.ts fails when one names a metric that no process exports.
 */
export interface Target {
  expr: string;
  legendFormat: string;
  /** Show the exemplars (trace ids) Prometheus keeps for this query's histogram. */
  exemplar?: boolean;
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
  return [0.5, 0.99].map((p) => ({ ...q(`histogram_quantile(${p}, sum by (${group}) (rate(${metric}_bucket{${SEL}}[$__rate_interval])))`, `${legend}p${p * 100}`), exemplar: true }));
}

export function rate(metric: string, by: string, legend = `{{${by}}}`): Target {
  return q(`sum by (${by}) (rate(${metric}{${SEL}}[$__rate_interval]))`, legend);
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** One query; a latency quantile asks Grafana for the exemplars (trace ids) beside it. */
function query(t: Target, i: number): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().refId(String.fromCharCode(65 + i)).expr(t.expr).legendFormat(t.legendFormat).datasource(DATASOURCE).exemplar(t.exemplar === true);
}

function timeseriesPanel(p: Panel, id: number): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .datasource(DATASOURCE)
    .unit(p.unit)
    .span(12)
    .height(8)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
  p.targets.forEach((t, i) => panel.withTarget(query(t, i)));
  return panel;
}

/**
 * The dashboard JSON Grafana imports (the chart ships it in a ConfigMap for the dashboard
 * sidecar), built with Grafana's foundation SDK (@grafana/grafana-foundation-sdk, Apache-2.0).
 */
export function render(spec: DashboardSpec): object {
  const board = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['parley'])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new dashboard.QueryVariableBuilder('namespace')
        .label('Namespace')
        .datasource(DATASOURCE)
        .query({ query: 'label_values(process_start_time_seconds, namespace)', refId: 'namespace' })
        .definition('label_values(process_start_time_seconds, namespace)')
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .includeAll(true)
        .allValue('.*'),
    );
  // Panel ids are unique within a dashboard (Grafana links and the sidecar's updates use them).
  let id = 1;
  for (const row of spec.rows) {
    board.withRow(new dashboard.RowBuilder(row.title).id(id++));
    for (const p of row.panels) board.withPanel(timeseriesPanel(p, id++));
  }
  return board.build();
}

/** Every PromQL expression of a dashboard (for the metric-name check). */
export function expressions(spec: DashboardSpec): string[] {
  return spec.rows.flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr)));
}
