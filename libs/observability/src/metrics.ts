import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process; services register their own instruments on it.
 * Names follow `parley_<service>_<what>_<unit>`.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(defaultLabels: Record<string, string>) {
    this.registry.setDefaultLabels(defaultLabels);
    collectDefaultMetrics({ register: this.registry });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return (this.registry.getSingleMetric(name) as Counter<string>) ?? new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `read`, when given, sets the (unlabelled) value at each scrape. */
  gauge(name: string, help: string, labelNames: string[] = [], read?: () => number): Gauge<string> {
    const existing = this.registry.getSingleMetric(name) as Gauge<string> | undefined;
    if (existing) return existing;
    return new Gauge({ name, help, labelNames, registers: [this.registry], ...(read ? { collect(this: Gauge<string>) { this.set(read()); } } : {}) });
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
    return (this.registry.getSingleMetric(name) as Histogram<string>) ?? new Histogram({ name, help, buckets, labelNames, registers: [this.registry] });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

export const METRICS = Symbol('Metrics');
