import { Context, ContextManager, ROOT_CONTEXT } from '@opentelemetry/api';

/**
 * How the active trace context follows the code (docs/adr/0007-tracing.md, "Context at low ratios").
 *
 * - `async-hooks`: the SDK's AsyncLocalStorage context manager. The context follows every await, so
 *   library instrumentations (pg, ioredis, gRPC, ...) nest under Parley's spans. On Node 20 it runs
 *   promise hooks on every promise the process makes, sampled or not: about 10% of the send path's
 *   CPU (docs/benchmarks.md, tracing on the mesh).
 * - `explicit`: a synchronous context manager. The context is active only for the synchronous part
 *   of `context.with`; Parley's own spans name their parent explicitly and carry it across services
 *   (Kafka headers, gRPC payloads), so a message is still one trace, but library instrumentations
 *   would lose their parent after an await: they are not loaded unless named in
 *   OTEL_NODE_ENABLED_INSTRUMENTATIONS, and log lines carry trace ids only where written before the
 *   span's first await.
 *
 * PARLEY_TRACING_CONTEXT picks one; `auto` (the default) picks `explicit` when the sampler records
 * fewer than one trace in ten (ratio below EXPLICIT_BELOW), where paying the hooks for every message
 * to nest library spans in the few recorded ones is the wrong trade.
 */
export type ContextMode = 'async-hooks' | 'explicit';

export const EXPLICIT_BELOW = 0.1;

/** The share of root traces the standard OTEL_TRACES_SAMPLER settings record; null when not a fixed ratio. */
export function samplingRatio(env: NodeJS.ProcessEnv = process.env): number | null {
  const sampler = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  switch (sampler) {
    case 'always_on':
    case 'parentbased_always_on':
      return 1;
    case 'always_off':
    case 'parentbased_always_off':
      return 0;
    case 'traceidratio':
    case 'parentbased_traceidratio': {
      const raw = (env.OTEL_TRACES_SAMPLER_ARG ?? '').trim();
      const ratio = raw === '' ? 1 : Number(raw);
      // The SDK falls back to 1 on a value outside [0, 1] or not a number; so does this.
      return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1;
    }
    default:
      return null; // jaeger_remote, xray, ...: the ratio can change at run time
  }
}

/**
 * Whether the sampler never records a span whose parent was not sampled: the `parentbased_*`
 * samplers (the SDK's default is parentbased_always_on) and always_off.
 */
export function samplerFollowsUnsampledParent(env: NodeJS.ProcessEnv = process.env): boolean {
  const sampler = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase();
  return sampler === '' || sampler.startsWith('parentbased_') || sampler === 'always_off';
}

/** The context mode for this environment (PARLEY_TRACING_CONTEXT: auto | async-hooks | explicit). */
export function contextMode(env: NodeJS.ProcessEnv = process.env): ContextMode {
  const setting = (env.PARLEY_TRACING_CONTEXT ?? 'auto').trim().toLowerCase();
  if (setting === 'async-hooks' || setting === 'explicit') return setting;
  if (setting !== 'auto' && setting !== '') throw new Error(`PARLEY_TRACING_CONTEXT must be auto, async-hooks or explicit (got ${JSON.stringify(env.PARLEY_TRACING_CONTEXT)})`);
  const ratio = samplingRatio(env);
  return ratio !== null && ratio < EXPLICIT_BELOW ? 'explicit' : 'async-hooks';
}

/**
 * A context manager without async hooks: `with` makes a context active for the synchronous run of
 * its callback only (what it returns, a promise included, runs on without it). `bind` wraps
 * functions alone; event emitters are returned as they are.
 */
export class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const manager = this;
    return function bound(this: unknown, ...args: unknown[]) {
      return manager.with(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  enable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}
