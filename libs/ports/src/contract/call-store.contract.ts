import { randomUUID } from 'node:crypto';
import { CallRecord, CallStore } from '../call-store.port';

const record = (id: string, version: number): CallRecord => ({
  id,
  conversation_id: 'conv',
  caller_id: 'a',
  media: 'audio',
  state: 'ringing',
  created_at: new Date().toISOString(),
  ring_deadline: Date.now() + 30_000,
  answered_at: null,
  ended_at: null,
  outcome: null,
  participants: [{ user_id: 'a', state: 'joined', socket_id: 's' }],
  version,
});

/** The CallStore contract: compare-and-set on the version, the per-user index, expiry. */
export function describeCallStoreContract(name: string, open: () => Promise<{ store: CallStore; cleanup(): Promise<void> }>): void {
  describe(`CallStore contract (${name})`, () => {
    let store: CallStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(() => cleanup());

    it('creates once, then saves only over the version it read', async () => {
      const id = randomUUID();
      expect(await store.get(id)).toBeNull();
      expect(await store.save(record(id, 1), 60_000)).toBe(true);
      expect(await store.save(record(id, 1), 60_000)).toBe(false);
      expect(await store.save(record(id, 3), 60_000)).toBe(false);
      expect(await store.save({ ...record(id, 2), state: 'active' }, 60_000)).toBe(true);
      expect(await store.get(id)).toMatchObject({ id, version: 2, state: 'active' });
      expect(await store.save(record(id, 2), 60_000)).toBe(false);
    });

    it('keeps each user’s current call, cleared only by that call', async () => {
      const user = randomUUID();
      expect(await store.currentCallOf(user)).toBeNull();
      await store.setCurrentCall(user, 'c1', 60_000);
      await store.clearCurrentCall(user, 'c2');
      expect(await store.currentCallOf(user)).toBe('c1');
      await store.clearCurrentCall(user, 'c1');
      expect(await store.currentCallOf(user)).toBeNull();
    });

    it('forgets records and entries after their TTL', async () => {
      const id = randomUUID();
      await store.save(record(id, 1), 50);
      await store.setCurrentCall(id, id, 50);
      await new Promise((r) => setTimeout(r, 120));
      expect(await store.get(id)).toBeNull();
      expect(await store.currentCallOf(id)).toBeNull();
    });
  });
}
