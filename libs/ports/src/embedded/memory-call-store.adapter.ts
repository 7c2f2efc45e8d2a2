import { CallRecord, CallStore } from '../call-store.port';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

/** Standalone's call store: one process holds every socket, so a map with expiries is the whole of it. */
export class MemoryCallStore implements CallStore {
  private readonly calls = new Map<string, Entry<string>>();
  private readonly users = new Map<string, Entry<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  async get(callId: string): Promise<CallRecord | null> {
    const e = this.live(this.calls, callId);
    return e ? (JSON.parse(e) as CallRecord) : null;
  }

  async save(call: CallRecord, ttlMs: number): Promise<boolean> {
    const current = await this.get(call.id);
    if ((current?.version ?? 0) !== call.version - 1) return false;
    this.calls.set(call.id, { value: JSON.stringify(call), expiresAt: this.now() + ttlMs });
    this.sweep();
    return true;
  }

  async currentCallOf(userId: string): Promise<string | null> {
    return this.live(this.users, userId);
  }

  async setCurrentCall(userId: string, callId: string, ttlMs: number): Promise<void> {
    this.users.set(userId, { value: callId, expiresAt: this.now() + ttlMs });
  }

  async clearCurrentCall(userId: string, callId: string): Promise<void> {
    if (this.users.get(userId)?.value === callId) this.users.delete(userId);
  }

  private live(map: Map<string, Entry<string>>, key: string): string | null {
    const e = map.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.now()) {
      map.delete(key);
      return null;
    }
    return e.value;
  }

  /** Bounded memory: expired entries go whenever the map has grown. */
  private sweep(): void {
    if (this.calls.size < 1024 && this.users.size < 4096) return;
    const now = this.now();
    for (const map of [this.calls, this.users]) for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
  }
}
