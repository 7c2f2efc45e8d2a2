/**
 * The workload of seed 001's readiness bar, planned up front and deterministically (a seeded PRNG):
 * `users` clients, some of them slow readers; direct conversations, mid-sized groups and one big
 * group; who sends into each and at what rate. Pure: the scenario turns it into accounts,
 * conversations and load-generator work.
 */

export interface ReadinessShape {
  /** Clients, one connection and one user each. */
  users: number;
  directs: number;
  groups: number;
  groupMin: number;
  groupMax: number;
  /** Members of the big group (users 0..bigGroup-1); 0 for none. */
  bigGroup: number;
  /** Sends per second in all over the directs and groups (each gets an equal share). */
  ratePerSecond: number;
  /** Sends per second into the big group. */
  bigRatePerSecond: number;
  /** Share of the clients that read slowly (0 to 0.9). */
  slowFraction: number;
  seed: number;
}

export type ConversationKind = 'direct' | 'group' | 'big';

export interface PlannedConversation {
  /** Stable name of the conversation (accounts state file key). */
  key: string;
  kind: ConversationKind;
  /** User indexes, the sender first. */
  members: number[];
  /** The member that sends into it: always a fast reader, so acks are not queued behind a backlog. */
  sender: number;
  ratePerSecond: number;
}

export interface ReadinessPlan {
  users: number;
  slow: boolean[];
  conversations: PlannedConversation[];
}

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Slow readers spread evenly: user i is slow when floor((i+1)f) > floor(if). User 0 is always fast. */
export function slowReaders(users: number, fraction: number): boolean[] {
  return Array.from({ length: users }, (_, i) => Math.floor((i + 1) * fraction) > Math.floor(i * fraction));
}

export function validateShape(s: ReadinessShape): void {
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`readiness: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('users', s.users, 2, 100_000);
  int('directs', s.directs, 0, 100_000);
  int('groups', s.groups, 0, 10_000);
  int('groupMin', s.groupMin, 2, s.users);
  int('groupMax', s.groupMax, s.groupMin, s.users);
  int('bigGroup', s.bigGroup, 0, s.users);
  if (s.bigGroup === 1) throw new Error('readiness: bigGroup must be 0 (none) or at least 2');
  if (!(s.ratePerSecond >= 0 && s.ratePerSecond <= 100_000)) throw new Error(`readiness: ratePerSecond out of range: ${s.ratePerSecond}`);
  if (!(s.bigRatePerSecond >= 0 && s.bigRatePerSecond <= 1000)) throw new Error(`readiness: bigRatePerSecond out of range: ${s.bigRatePerSecond}`);
  if (!(s.slowFraction >= 0 && s.slowFraction <= 0.9)) throw new Error(`readiness: slowFraction must be within 0..0.9, got ${s.slowFraction}`);
  const fast = s.users - slowReaders(s.users, s.slowFraction).filter(Boolean).length;
  // Each direct pairs a fast sender with another user: at most fast * (users - 1) distinct pairs (halved for fast-fast).
  if (s.directs > Math.floor((fast * (s.users - 1)) / 2)) throw new Error(`readiness: ${s.directs} directs need more users than ${s.users}`);
}

/** The plan for a shape: same shape and seed, same plan. */
export function buildPlan(s: ReadinessShape): ReadinessPlan {
  validateShape(s);
  const random = seededRandom(s.seed);
  const pick = (n: number) => Math.floor(random() * n);
  const slow = slowReaders(s.users, s.slowFraction);
  const fastUsers = slow.flatMap((isSlow, i) => (isSlow ? [] : [i]));
  const shared = s.directs + s.groups > 0 ? s.ratePerSecond / (s.directs + s.groups) : 0;
  const conversations: PlannedConversation[] = [];

  const pairs = new Set<string>();
  const maxAttempts = s.directs * 50 + 100;
  for (let attempts = 0; conversations.length < s.directs; attempts++) {
    if (attempts > maxAttempts) throw new Error(`readiness: could not find ${s.directs} distinct direct pairs among ${s.users} users`);
    const a = fastUsers[pick(fastUsers.length)];
    const b = pick(s.users);
    if (a === b) continue;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (pairs.has(key)) continue;
    pairs.add(key);
    conversations.push({ key: `direct-${key}`, kind: 'direct', members: [a, b], sender: a, ratePerSecond: shared });
  }
  for (let g = 0; g < s.groups; g++) {
    const size = s.groupMin + pick(s.groupMax - s.groupMin + 1);
    const sender = fastUsers[pick(fastUsers.length)];
    const members = new Set<number>([sender]);
    while (members.size < size) members.add(pick(s.users));
    conversations.push({ key: `group-${s.seed}-${g}-${size}`, kind: 'group', members: [...members], sender, ratePerSecond: shared });
  }
  if (s.bigGroup > 0) {
    conversations.push({ key: `big-${s.bigGroup}`, kind: 'big', members: Array.from({ length: s.bigGroup }, (_, i) => i), sender: 0, ratePerSecond: s.bigRatePerSecond });
  }
  return { users: s.users, slow, conversations };
}

/** The conversations each user is a member of (indexes into plan.conversations). */
export function membershipsOf(plan: ReadinessPlan): number[][] {
  const out: number[][] = Array.from({ length: plan.users }, () => []);
  plan.conversations.forEach((c, ci) => {
    for (const m of c.members) out[m].push(ci);
  });
  return out;
}
