import { ParleyApiError, ParleyClient, ParleyRest } from '@parley/client';
import { AuthResponse, UserDto } from '@parley/protocol';

export interface StoredSession {
  user: UserDto;
  access_token: string;
  refresh_token: string;
  /** Epoch ms when the access token expires. */
  expires_at: number;
}

const STORAGE_KEY = 'parley.session';
/** Refresh a little before expiry so a request does not race the clock. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * The signed-in session, kept in localStorage so a reload stays signed in. Refreshes are
 * single-flight: the refresh token rotates, so two concurrent refreshes would revoke the session.
 */
export class Session {
  private current: StoredSession | null;
  private refreshing: Promise<boolean> | null = null;
  private readonly auth: ParleyRest;

  constructor(
    baseUrl: string,
    private readonly storage: Storage,
    private readonly onSignedOut: (reason: string) => void,
  ) {
    this.auth = new ParleyRest({ baseUrl });
    this.current = readStored(storage);
  }

  get user(): UserDto | null {
    return this.current?.user ?? null;
  }

  get accessToken(): string | undefined {
    return this.current?.access_token;
  }

  get expiresSoon(): boolean {
    return this.current === null || this.current.expires_at - EXPIRY_MARGIN_MS < Date.now();
  }

  async register(username: string, password: string): Promise<UserDto> {
    return this.save(await this.auth.register({ username, password }));
  }

  async login(username: string, password: string): Promise<UserDto> {
    return this.save(await this.auth.login({ username, password }));
  }

  /** Asks for a one-time sign-in code; the answer says how long it is valid (seconds). */
  async requestCode(channel: 'sms' | 'email', destination: string): Promise<number> {
    return (await this.auth.requestCode({ channel, destination })).expires_in;
  }

  /** Signs in (or up) with the code received. */
  async verifyCode(channel: 'sms' | 'email', destination: string, code: string): Promise<UserDto> {
    return this.save(await this.auth.verifyCode({ channel, destination, code }));
  }

  /** False (and signed out) when the server refuses the refresh token; throws on network trouble. */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** A valid access token, refreshed first when `force` or when it is about to expire. */
  async token(force: boolean): Promise<string> {
    if ((force || this.expiresSoon) && !(await this.refresh())) throw new Error('signed out');
    const token = this.accessToken;
    if (!token) throw new Error('signed out');
    return token;
  }

  clear(): void {
    this.current = null;
    this.storage.removeItem(STORAGE_KEY);
  }

  private async doRefresh(): Promise<boolean> {
    const refreshToken = this.current?.refresh_token;
    if (!refreshToken) return false;
    try {
      this.save(await this.auth.refresh(refreshToken));
      return true;
    } catch (e) {
      if (e instanceof ParleyApiError && (e.status === 401 || e.status === 400)) {
        this.clear();
        this.onSignedOut('Your session ended. Please log in again.');
        return false;
      }
      throw e;
    }
  }

  private save(answer: AuthResponse): UserDto {
    this.current = {
      user: answer.user,
      access_token: answer.access_token,
      refresh_token: answer.refresh_token,
      expires_at: Date.now() + answer.expires_in * 1000,
    };
    this.storage.setItem(STORAGE_KEY, JSON.stringify(this.current));
    return answer.user;
  }
}

function readStored(storage: Storage): StoredSession | null {
  const raw = storage.getItem(STORAGE_KEY);
  if (raw === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    console.warn('discarding an unreadable stored session', e);
    storage.removeItem(STORAGE_KEY);
    return null;
  }
  const v = value as Partial<StoredSession> | null;
  const valid =
    typeof v === 'object' && v !== null &&
    typeof v.access_token === 'string' && typeof v.refresh_token === 'string' &&
    typeof v.expires_at === 'number' && typeof v.user?.id === 'string' && typeof v.user?.username === 'string';
  if (!valid) {
    storage.removeItem(STORAGE_KEY);
    return null;
  }
  return v as StoredSession;
}

/** The first connect may fail on an expired token at the upgrade: refresh, back off, retry while `client` is still the page's. */
export async function connectWithRetry(client: ParleyClient, session: Session, current: () => ParleyClient | null): Promise<void> {
  for (let attempt = 0; current() === client; attempt++) {
    try {
      await client.connect();
      return;
    } catch (e) {
      if (current() !== client) return;
      console.warn('connect failed', e);
      try {
        if (!(await session.refresh())) return;
      } catch (refreshError) {
        console.warn('token refresh failed', refreshError);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
    }
  }
}
