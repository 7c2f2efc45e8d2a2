/**
 * One object answering for several services of a process (e.g. AuthApi and UserDirectory for the
 * `Auth` gRPC service): each method is taken, bound, from the first part that has it.
 */
export function delegateTo<T extends object>(...parts: object[]): T {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    let proto: object | null = part;
    while (proto && proto !== Object.prototype) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        const value = (part as Record<string, unknown>)[key];
        if (key !== 'constructor' && typeof value === 'function' && !(key in out)) out[key] = (value as (...a: unknown[]) => unknown).bind(part);
      }
      proto = Object.getPrototypeOf(proto) as object | null;
    }
  }
  return out as T;
}
