import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { BenchAccounts } from '../targets/parley/bench-accounts';
import { ParleyDeployment } from '../targets/parley/deployment';
import { mapLimit, ParleyRest } from '../targets/parley/rest';
import { ReadinessPlan } from './plan';

/** Readiness clients are users of their own (the other scenarios' users keep their tokens). */
export const readinessUser = (i: number) => `bench-q${String(i).padStart(6, '0')}`;

export interface PreparedReadiness {
  accounts: BenchAccounts;
  /** Conversation ids, in plan order. */
  conversationIds: string[];
}

/**
 * Users and conversations of the plan, on a setup server (niced, not measured): argon2 registration
 * happens once per state directory; tokens are renewed, after the conversations, to stay valid
 * `validForMs` (at most the 15 minutes an access token lives); a direct
 * conversation is found again by its pair, a group by its key.
 */
export async function prepareReadiness(
  deployment: ParleyDeployment,
  stateDir: string,
  plan: ReadinessPlan,
  validForMs: number,
  log: (line: string) => void,
): Promise<PreparedReadiness> {
  mkdirSync(stateDir, { recursive: true });
  const accounts = new BenchAccounts(join(stateDir, 'readiness-accounts.json'), deployment.registerConcurrency);
  deployment.provision(log);
  const running = await deployment.launch({}, 10);
  try {
    const rest = new ParleyRest(`http://127.0.0.1:${running.ports[0]}`);
    const names = Array.from({ length: plan.users }, (_, i) => readinessUser(i));
    await accounts.forgetIfUnknown(rest, names[0], log);
    // Valid for the setup first; renewed for the run once the (slow) conversation setup is done.
    await accounts.ensure(rest, names, 10 * 60_000, log);
    log(`ensuring ${plan.conversations.length} conversations`);
    let done = 0;
    const conversationIds = await mapLimit(plan.conversations, 8, async (c) => {
      const sender = readinessUser(c.sender);
      const others = c.members.filter((m) => m !== c.sender).map(readinessUser);
      let id: string;
      if (c.kind === 'direct') {
        const conv = await rest.call<{ id: string }>('POST', '/v1/conversations', { type: 'direct', member_ids: [accounts.get(others[0]).userId] }, accounts.get(sender).accessToken);
        id = conv.id;
      } else {
        id = await accounts.ensureGroup(rest, `readiness-${c.key}`, sender, others, log);
      }
      if (++done % 250 === 0) log(`  ${done}/${plan.conversations.length} conversations`);
      return id;
    });
    await accounts.ensure(rest, names, validForMs, log);
    return { accounts, conversationIds };
  } finally {
    await running.stop();
  }
}

/** Each conversation's last_seq, read as its sender. */
export async function lastSeqs(rest: ParleyRest, ids: string[], tokens: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await mapLimit(ids, 16, async (id, i) => {
    const view = await rest.call<{ last_seq: number }>('GET', `/v1/conversations/${encodeURIComponent(id)}`, undefined, tokens[i]);
    out[id] = view.last_seq;
  });
  return out;
}
