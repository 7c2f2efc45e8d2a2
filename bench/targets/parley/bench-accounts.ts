import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mapLimit, ParleyRest, RestError } from './rest';

/** The password of every bench account (they live only in the bench's own data directory). */
const PASSWORD = 'bench-password-not-secret';
const REFRESH_CONCURRENCY = 16;
/**
 * The contract allows 1000 ids per create/add request, but a REST body is capped at 16 KiB: with
 * 36-character UUIDs about 400 ids fit, so the bench adds members 300 at a time.
 */
const MAX_IDS_PER_REQUEST = 300;

export interface BenchAccount {
  username: string;
  userId: string;
  refreshToken: string;
  accessToken: string;
  /** Epoch ms after which the access token is no longer accepted. */
  accessExpiresAt: number;
}

interface StateFile {
  version: 1;
  accounts: Record<string, BenchAccount>;
  groups: Record<string, { id: string; members: number }>;
}

interface AuthAnswer {
  user: { id: string };
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

/**
 * Bench users, their tokens and groups, kept in a JSON file beside the standalone data directory so
 * that argon2 registration happens once per data directory, not once per run. Refresh tokens rotate,
 * so the file is rewritten after every batch; an account whose refresh token no longer works logs in.
 */
export class BenchAccounts {
  private state: StateFile;

  constructor(
    private readonly file: string,
    /** Registrations in flight (the deployment's password hashing cost decides how many pay off). */
    private readonly registerConcurrency: number,
  ) {
    this.state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StateFile) : { version: 1, accounts: {}, groups: {} };
    if (this.state.version !== 1) throw new Error(`${file}: unknown state version`);
  }

  get(username: string): BenchAccount {
    const a = this.state.accounts[username];
    if (!a) throw new Error(`bench account ${username} is not prepared`);
    return a;
  }

  /**
   * Forgets every account when the server does not know `probe`'s (its data was wiped, e.g. the
   * data systems were provisioned afresh): they are registered again instead of failing one by one.
   */
  async forgetIfUnknown(rest: ParleyRest, probe: string, log: (line: string) => void): Promise<void> {
    const a = this.state.accounts[probe];
    if (!a) return;
    try {
      await rest.call('POST', '/v1/auth/login', { username: probe, password: PASSWORD });
    } catch (err) {
      if (!(err instanceof RestError && err.status === 401)) throw err;
      log(`${this.file}: the server does not know ${probe}; registering every bench user again`);
      this.state = { version: 1, accounts: {}, groups: {} };
      this.save();
    }
  }

  /** Usernames that would need argon2 work (registration) right now. */
  missing(usernames: readonly string[]): number {
    return usernames.filter((u) => !this.state.accounts[u]).length;
  }

  /** Usernames whose access token would not stay valid for `validForMs`. */
  stale(usernames: readonly string[], validForMs: number): number {
    const until = Date.now() + validForMs;
    return usernames.filter((u) => (this.state.accounts[u]?.accessExpiresAt ?? 0) < until).length;
  }

  /** Makes sure each user exists and holds an access token valid for at least `validForMs`. */
  async ensure(rest: ParleyRest, usernames: readonly string[], validForMs: number, log: (line: string) => void): Promise<void> {
    const until = Date.now() + validForMs;
    const toRegister = usernames.filter((u) => !this.state.accounts[u]);
    const toRefresh = usernames.filter((u) => this.state.accounts[u] && this.state.accounts[u].accessExpiresAt < until);
    if (toRegister.length > 0) {
      log(`registering ${toRegister.length} bench users (${this.registerConcurrency} at a time)`);
      await this.inBatches(toRegister, this.registerConcurrency, log, 'registered', (u) => this.register(rest, u));
    }
    if (toRefresh.length > 0) {
      log(`refreshing ${toRefresh.length} access tokens`);
      await this.inBatches(toRefresh, REFRESH_CONCURRENCY, log, 'refreshed', (u) => this.refresh(rest, u));
    }
  }

  /** A group `key` with `creator` as admin and exactly `members` as the other members; reused when it still matches. */
  async ensureGroup(rest: ParleyRest, key: string, creator: string, members: readonly string[], log: (line: string) => void): Promise<string> {
    const token = this.get(creator).accessToken;
    const known = this.state.groups[key];
    if (known && known.members === members.length + 1) {
      try {
        const view = await rest.call<{ member_count: number }>('GET', `/v1/conversations/${encodeURIComponent(known.id)}`, undefined, token);
        if (view.member_count === members.length + 1) return known.id;
      } catch (err) {
        if (!(err instanceof RestError && err.status === 404)) throw err;
      }
    }
    const ids = members.map((m) => this.get(m).userId);
    const first = ids.slice(0, MAX_IDS_PER_REQUEST);
    const conv = await rest.call<{ id: string }>('POST', '/v1/conversations', { type: 'group', title: `bench ${key}`, member_ids: first }, token);
    for (let i = first.length; i < ids.length; i += MAX_IDS_PER_REQUEST) {
      await rest.call('POST', `/v1/conversations/${encodeURIComponent(conv.id)}/members`, { user_ids: ids.slice(i, i + MAX_IDS_PER_REQUEST) }, token);
      if ((i / MAX_IDS_PER_REQUEST) % 50 === 0) log(`  group ${key}: ${Math.min(i + MAX_IDS_PER_REQUEST, ids.length)}/${ids.length} members added`);
    }
    this.state.groups[key] = { id: conv.id, members: members.length + 1 };
    this.save();
    return conv.id;
  }

  private async inBatches(
    usernames: readonly string[],
    concurrency: number,
    log: (line: string) => void,
    verb: string,
    fn: (u: string) => Promise<void>,
  ): Promise<void> {
    const batch = 500;
    for (let i = 0; i < usernames.length; i += batch) {
      await mapLimit(usernames.slice(i, i + batch), concurrency, fn);
      this.save();
      log(`  ${verb} ${Math.min(i + batch, usernames.length)}/${usernames.length}`);
    }
  }

  private async register(rest: ParleyRest, username: string): Promise<void> {
    try {
      this.store(username, await rest.call<AuthAnswer>('POST', '/v1/auth/register', { username, password: PASSWORD }));
    } catch (err) {
      if (!(err instanceof RestError && err.status === 409)) throw err;
      await this.login(rest, username);
    }
  }

  private async refresh(rest: ParleyRest, username: string): Promise<void> {
    try {
      this.store(username, await rest.call<AuthAnswer>('POST', '/v1/auth/refresh', { refresh_token: this.get(username).refreshToken }));
    } catch (err) {
      if (!(err instanceof RestError && err.status === 401)) throw err;
      await this.login(rest, username);
    }
  }

  private async login(rest: ParleyRest, username: string): Promise<void> {
    this.store(username, await rest.call<AuthAnswer>('POST', '/v1/auth/login', { username, password: PASSWORD }));
  }

  private store(username: string, a: AuthAnswer): void {
    this.state.accounts[username] = {
      username,
      userId: a.user.id,
      refreshToken: a.refresh_token,
      accessToken: a.access_token,
      accessExpiresAt: Date.now() + a.expires_in * 1000 - 5000,
    };
  }

  private save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
