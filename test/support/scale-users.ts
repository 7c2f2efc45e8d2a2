import type { AuthResult } from './contract';
import { rest, restOk } from './rest';
import { sleep } from './wait';

/** Users of the scale tests: many, registered fast (PARLEY_PASSWORD_HASH_COST=test) and robustly. */
export interface Member {
  userId: string;
  token: string;
}

/** Runs task(0..count-1) with at most `concurrency` in flight; the first failure fails the whole. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * Registers a user, retrying a lost or refused answer a few times: a retry that finds the name
 * taken logs in instead (the first attempt did create it).
 */
export async function registerMember(baseUrl: string, username: string): Promise<Member> {
  const password = `pw-${username}`;
  let last = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await sleep(500 * 2 ** attempt);
    try {
      const res = await rest<AuthResult>(baseUrl, 'POST', '/v1/auth/register', { json: { username, password } });
      if (res.status === 201) return { userId: res.body.user.id, token: res.body.access_token };
      if (res.status === 409 && attempt > 0) {
        const login = await restOk<AuthResult>(baseUrl, 'POST', '/v1/auth/login', 200, { json: { username, password } });
        return { userId: login.user.id, token: login.access_token };
      }
      last = `${res.status} ${res.text.slice(0, 300)}`;
      if (res.status !== 503 && res.status !== 429) break;
    } catch (err) {
      last = (err as Error).message;
    }
  }
  throw new Error(`register ${username}: ${last}`);
}

