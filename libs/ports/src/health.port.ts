/** An async check behind /readyz: a dependency this process cannot serve without. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean>;
}

export const READINESS_CHECKS = Symbol('ReadinessChecks');
