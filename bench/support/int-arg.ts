/** A command-line integer in [min, max]; anything else (missing, fractional, out of range) is refused with the flag's name. */
export function intArg(flag: string, raw: string | undefined, min = 1, max = 1_000_000): number {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} needs an integer in [${min}, ${max}], got "${raw ?? ''}"`);
  return n;
}
