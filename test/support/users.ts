/** Helpers that act as users: register, log in, open conversations, open sockets. */
import { randomBytes } from 'node:crypto';
import type { AuthResult, WireConversation, WireUser } from './contract';
import { restOk } from './rest';
import { TestSocket, type SocketOptions } from './ws-client';

export interface TestUser {
  user: WireUser;
  username: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

let userCounter = 0;

/** A username no other test run will pick: `<prefix>_<counter>_<random>`, within the 32-char limit. */
export function uniqueUsername(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_.-]/g, '').slice(0, 14) || 'u';
  return `${clean}_${++userCounter}_${randomBytes(4).toString('hex')}`;
}

export async function registerUser(baseUrl: string, prefix: string, opts: { password?: string; displayName?: string } = {}): Promise<TestUser> {
  const username = uniqueUsername(prefix);
  const password = opts.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const body: Record<string, string> = { username, password };
  if (opts.displayName !== undefined) body.display_name = opts.displayName;
  const res = await restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/register', 201, { json: body });
  return { user: res.user, username, password, accessToken: res.access_token, refreshToken: res.refresh_token };
}

/** Registers `count` users, at most `concurrency` at a time (password hashing is CPU-bound). */
export async function registerUsers(baseUrl: string, prefix: string, count: number, concurrency = 4): Promise<TestUser[]> {
  const users: TestUser[] = new Array(count);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      users[i] = await registerUser(baseUrl, `${prefix}${i}`);
    }
  });
  await Promise.all(workers);
  return users;
}

export async function login(baseUrl: string, username: string, password: string): Promise<AuthResult> {
  return restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/login', 200, { json: { username, password } });
}

export async function createDirect(baseUrl: string, token: string, otherUserId: string): Promise<WireConversation> {
  return restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', [200, 201], {
    token,
    json: { type: 'direct', member_ids: [otherUserId] },
  });
}

export async function createGroup(baseUrl: string, token: string, title: string, memberIds: string[]): Promise<WireConversation> {
  return restOk<WireConversation>(baseUrl, 'POST', '/v1/conversations', 201, {
    token,
    json: { type: 'group', title, member_ids: memberIds },
  });
}

export async function getConversation(baseUrl: string, token: string, conversationId: string): Promise<WireConversation> {
  return restOk<WireConversation>(baseUrl, 'GET', `/v1/conversations/${encodeURIComponent(conversationId)}`, 200, { token });
}

/** Opens a WebSocket for a user (the `ws` package) and waits for `hello`. */
export function makeWs(wsUrl: string, token: string, opts: SocketOptions = {}): Promise<TestSocket> {
  return TestSocket.open(wsUrl, token, opts);
}

/** Closes every socket given, ignoring ones already closed. */
export async function closeAll(sockets: Array<TestSocket | undefined>): Promise<void> {
  await Promise.all(sockets.map((s) => s?.close()));
}

/** Decodes a JWT's header and payload without verifying it (the tests verify through the server). */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown>; parts: string[] } {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`not a JWT: ${token.slice(0, 40)}...`);
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(parts[0]), payload: decode(parts[1]), parts };
}
