/** The building blocks of settings: an environment variable, its default, its description and its parser. */
export interface Setting<T> {
  env: string;
  description: string;
  default: T;
  parse(raw: string): T;
}

export const str = (env: string, def: string, description: string): Setting<string> => ({ env, description, default: def, parse: (r) => r });
export const int = (env: string, def: number, description: string, min = 0, max = Number.MAX_SAFE_INTEGER): Setting<number> => ({
  env,
  description,
  default: def,
  parse: (r) => {
    const n = Number(r);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`${env} must be an integer in [${min}, ${max}], got "${r}"`);
    return n;
  },
});
export const oneOf = <T extends string>(env: string, def: T, values: readonly T[], description: string): Setting<T> => ({
  env,
  description,
  default: def,
  parse: (r) => {
    if (!values.includes(r as T)) throw new Error(`${env} must be one of ${values.join(', ')}, got "${r}"`);
    return r as T;
  },
});
export const flag = (env: string, def: boolean, description: string): Setting<boolean> => ({
  env,
  description,
  default: def,
  parse: (r) => {
    if (r !== 'true' && r !== 'false') throw new Error(`${env} must be true or false, got "${r}"`);
    return r === 'true';
  },
});
export const list = (env: string, def: string[], description: string): Setting<string[]> => ({
  env,
  description,
  default: def,
  parse: (r) => r.split(',').map((s) => s.trim()).filter(Boolean),
});

export function read<T>(env: Record<string, string | undefined>, s: Setting<T>): T {
  const raw = env[s.env];
  return raw === undefined || raw === '' ? s.default : s.parse(raw);
}
