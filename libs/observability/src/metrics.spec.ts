import { node, tracing } from '@opentelemetry/sdk-node';
import { inSpan, Metrics, wantsOpenMetrics, OPENMETRICS_TEXT, PROMETHEUS_TEXT } from './index';

const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(new tracing.InMemorySpanExporter())] });
provider.register();
afterAll(() => provider.shutdown());

describe('Accept negotiation for /metrics', () => {
  it('serves OpenMetrics only to a scraper that prefers it (Prometheus does), the text format otherwise', () => {
    const prometheus = 'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
    expect(wantsOpenMetrics(prometheus)).toBe(true);
    expect(wantsOpenMetrics('application/openmetrics-text')).toBe(true);
    for (const accept of [undefined, '', '*/*', 'text/plain', 'text/plain;q=1, application/openmetrics-text;q=0.5', 'application/openmetrics-text;q=0', 'application/openmetrics-text;q=abc', 'text/html,application/xhtml+xml']) {
      expect(wantsOpenMetrics(accept)).toBe(false);
    }
  });
});

describe('exemplars', () => {
  it('an observation inside a recorded span carries its trace id in OpenMetrics, never in the text format; counters keep their names in both', async () => {
    const metrics = new Metrics({ service: 'ex' });
    const h = metrics.histogram('parley_test_latency_seconds', 'test latency', [0.1, 1], ['route']);
    const c = metrics.counter('parley_test_things_total', 'things');
    c.inc();
    h.observe({ route: 'a' }, 0.05); // no span: no exemplar
    const traceId = await inSpan('op', {}, async (span) => {
      h.observe({ route: 'a' }, 0.5);
      const end = h.startTimer({ route: 'b' });
      end();
      return span.spanContext().traceId;
    });
    const om = await metrics.render(OPENMETRICS_TEXT);
    expect(om).toMatch(new RegExp(`parley_test_latency_seconds_bucket\\{le="1",service="ex",route="a"\\} 2 # \\{trace_id="${traceId}",span_id="[0-9a-f]{16}"\\} 0\\.5 \\d+`));
    expect(om).toMatch(new RegExp(`parley_test_latency_seconds_bucket\\{le="0\\.1",service="ex",route="b"\\} 1 # \\{trace_id="${traceId}"`));
    expect(om).toContain('parley_test_latency_seconds_bucket{le="0.1",service="ex",route="a"} 1\n');
    expect(om).toContain('# TYPE parley_test_things counter');
    expect(om).toContain('parley_test_things_total{service="ex"} 1');
    expect(om.endsWith('# EOF\n')).toBe(true);

    const text = await metrics.text();
    expect(text).not.toContain('trace_id');
    expect(text).toContain('# TYPE parley_test_things_total counter');
    expect(text).toContain('parley_test_things_total{service="ex"} 1');
    expect(await metrics.render(PROMETHEUS_TEXT)).toContain('# TYPE parley_test_things_total counter');
  });

  it('renders concurrent scrapes of both formats one at a time, each intact', async () => {
    const metrics = new Metrics({ service: 'ex2' });
    metrics.counter('parley_test_more_total', 'more').inc(2);
    const all = await Promise.all([OPENMETRICS_TEXT, PROMETHEUS_TEXT, OPENMETRICS_TEXT, PROMETHEUS_TEXT].map((t) => metrics.render(t)));
    expect(all[1]).toContain('parley_test_more_total{service="ex2"} 2');
    expect(all[1]).toContain('# TYPE parley_test_more_total counter');
    expect(all[3]).toContain('# TYPE parley_test_more_total counter');
    expect(all[1]).not.toContain('# EOF');
    for (const om of [all[0], all[2]]) {
      expect(om).toContain('# TYPE parley_test_more counter');
      expect(om).toContain('parley_test_more_total{service="ex2"} 2');
    }
  });
});
