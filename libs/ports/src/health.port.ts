/** An async check behind /readyz: a dependency this process cannot serve without. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('ReadinessChecks');

/** How long one check may take before /readyz counts it as failing. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

/** The body of /readyz, on the gateway's public port and on every admin port alike. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  /** Names of the checks that failed, threw or timed out; empty when ready. */
  failing: string[];
}

/**
 * Runs every check at once and reports the failing ones: a check that throws or takes longer than
 * `timeoutMs` fails. One implementation, so that every /readyz answers the same way.
 */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number = READINESS_CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => ((await Promise.race([Promise.resolve().then(() => c.check()).catch(() => false), falseAfter(timeoutMs)])) ? null : c.name)),
  );
  const failing = results.filter((n): n is string => n !== null);
  return { status: failing.length === 0 ? 'ready' : 'not_ready', failing };
}

function falseAfter(ms: number): Promise<false> {
  return new Promise((resolve) => setTimeout(() => resolve(false), ms).unref());
}

/**
 * An operator route on a process's admin port (never the public gateway): GET only, answered
 * with JSON. Issue 14: the messaging service's pseudonym lookup (docs/adr/0016).
 */
export interface AdminRoute {
  /** Path prefix it owns, e.g. `/admin/v1/participants/`. */
  prefix: string;
  handle(path: string, query: URLSearchParams): Promise<{ status: number; body: unknown }>;
}

export const ADMIN_ROUTES = Symbol('AdminRoutes');
