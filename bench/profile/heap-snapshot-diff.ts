import { readFileSync } from 'node:fs';

/**
 * `node dist/bench/profile/heap-snapshot-diff.js BEFORE.heapsnapshot AFTER.heapsnapshot N`: what N
 * connections (or anything else) added to a V8 heap, by kind of object, per unit. Snapshots are
 * taken after a full garbage collection, so this is what is retained, not garbage awaiting
 * collection. Take them from a running process started with
 * `NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR"` by `kill -USR2 <pid>`.
 */

interface Totals {
  byKind: Map<string, { count: number; bytes: number }>;
  total: number;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Sums a snapshot's nodes by type and name (strings, numbers and code folded into one kind each). */
export function totalsOf(s: Snapshot): Totals {
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0) throw new Error('not a V8 heap snapshot (node fields missing)');
  const byKind = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt]];
    const name = /string/.test(type) ? '(strings)' : type === 'number' ? '(heap numbers)' : type === 'code' ? '(compiled code)' : s.strings[s.nodes[i + nameAt]].slice(0, 60);
    const kind = `${type}: ${name}`;
    const bytes = s.nodes[i + sizeAt];
    total += bytes;
    const k = byKind.get(kind) ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += bytes;
    byKind.set(kind, k);
  }
  return { byKind, total };
}

/** Rows of (kind, objects added, bytes added per unit), largest first. */
export function diff(before: Totals, after: Totals, units: number): { kind: string; objects: number; bytesPerUnit: number }[] {
  const rows = [...after.byKind].map(([kind, a]) => {
    const b = before.byKind.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, objects: a.count - b.count, bytesPerUnit: (a.bytes - b.bytes) / units };
  });
  return rows.sort((x, y) => y.bytesPerUnit - x.bytesPerUnit);
}

function main(): void {
  const [beforeFile, afterFile, unitsRaw] = process.argv.slice(2);
  const units = Number(unitsRaw);
  if (!beforeFile || !afterFile || !Number.isInteger(units) || units <= 0) {
    process.stderr.write('usage: heap-snapshot-diff BEFORE.heapsnapshot AFTER.heapsnapshot UNITS\n');
    process.exit(2);
  }
  const load = (f: string) => totalsOf(JSON.parse(readFileSync(f, 'utf8')) as Snapshot);
  const before = load(beforeFile);
  const after = load(afterFile);
  process.stdout.write(`retained heap: ${before.total} B -> ${after.total} B, ${((after.total - before.total) / units).toFixed(0)} B per unit\n`);
  for (const r of diff(before, after, units).slice(0, 20)) process.stdout.write(`${r.bytesPerUnit.toFixed(1).padStart(9)} B/unit ${String(r.objects).padStart(8)} objects  ${r.kind}\n`);
}

if (require.main === module) main();
