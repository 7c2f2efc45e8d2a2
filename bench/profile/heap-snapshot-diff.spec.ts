import { diff, totalsOf } from './heap-snapshot-diff';

/** A minimal snapshot in V8's layout: [type, name, self_size] per node. */
const snapshot = (nodes: [number, number, number][]) => ({
  snapshot: { meta: { node_fields: ['type', 'name', 'self_size'], node_types: [['object', 'string', 'code', 'number']] as [string[]] } },
  nodes: nodes.flat(),
  strings: ['Set', 'abc', 'fn', 'Map'],
});

describe('heap snapshot diff', () => {
  it('sums by kind and reports what was added per unit, largest first', () => {
    const before = totalsOf(snapshot([[0, 0, 100], [1, 1, 40]]));
    const after = totalsOf(snapshot([[0, 0, 100], [0, 0, 60], [0, 0, 60], [1, 1, 40], [1, 1, 20], [0, 3, 10]]));
    expect(after.total).toBe(290);
    expect(diff(before, after, 2)).toEqual([
      { kind: 'object: Set', objects: 2, bytesPerUnit: 60 },
      { kind: 'string: (strings)', objects: 1, bytesPerUnit: 10 },
      { kind: 'object: Map', objects: 1, bytesPerUnit: 5 },
    ]);
  });

  it('refuses a file that is not a heap snapshot', () => {
    expect(() => totalsOf({ snapshot: { meta: { node_fields: ['id'], node_types: [[]] } }, nodes: [], strings: [] })).toThrow(/not a V8 heap snapshot/);
  });
});
