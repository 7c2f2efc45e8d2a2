import { Conversation } from '@parley/domain';
import { isUniqueViolation, PgliteSqlDb, runMigrations } from '@parley/ports';
import { ParticipantsRepository } from '../anonymous/participants.repository';
import { ModerationRepository } from '../moderation/moderation.repository';
import { ConversationRepository } from './conversation.repository';
import { messagingMigrations } from './messaging.migrations';

/**
 * What could change when messaging moved to Prisma Client (docs/adr/0004-relational-data.md): the
 * unique violation of a direct key inside a transaction, the writes that were `ON CONFLICT` and are
 * now the model API (ban, report, audit), keyset paging by id, and pseudonyms drawn in the
 * membership transaction. On PGlite, as standalone runs it.
 */
describe('messaging repositories on Prisma Client (PGlite)', () => {
  let db: PgliteSqlDb;
  let repo: ConversationRepository;
  let mod: ModerationRepository;
  let participants: ParticipantsRepository;
  let n = 0;

  const conversation = (over: Partial<Conversation> = {}): Conversation => {
    const at = new Date(Date.UTC(2026, 11, 5, 8, 0, n)).toISOString();
    return { id: `c${++n}`, type: 'group', title: 't', created_at: at, member_count: 0, last_seq: 0, last_activity_at: at, anonymous: 'off', ...over };
  };

  beforeAll(async () => {
    db = await PgliteSqlDb.open(undefined);
    await runMigrations(db, messagingMigrations);
    repo = new ConversationRepository(db);
    mod = new ModerationRepository(db.relational());
    participants = new ParticipantsRepository(db.relational());
  });
  afterAll(() => db.close());

  it('refuses a second conversation with the same direct key as a unique violation, and keeps nothing of it', async () => {
    const first = conversation({ type: 'direct', title: null });
    await repo.create(first, 'alice:bob', [{ userId: 'alice', role: 'member' }, { userId: 'bob', role: 'member' }]);
    const second = conversation({ type: 'direct', title: null });
    const err = await repo.create(second, 'alice:bob', [{ userId: 'alice', role: 'member' }, { userId: 'bob', role: 'member' }]).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await repo.findDirect('alice:bob'))?.id).toBe(first.id);
    expect(await repo.get(second.id)).toBeNull();
    expect(await repo.memberCount(first.id)).toBe(2);
    expect((await repo.getForMember(first.id, 'bob'))?.me).toMatchObject({ user_id: 'bob', role: 'member', last_read_seq: 0, participant_id: null });
  });

  it('adds members once, counts them, and moves a read marker forward only', async () => {
    const c = conversation();
    await repo.create(c, null, [{ userId: 'owner', role: 'owner' }]);
    expect(await repo.addMembers(c.id, ['a', 'b', 'owner'], c.created_at)).toEqual(['a', 'b']);
    expect(await repo.addMembers(c.id, ['a'], c.created_at)).toEqual([]);
    expect(await repo.memberCount(c.id)).toBe(3);
    await db.query(`UPDATE conversations SET last_seq = 9 WHERE id = $1`, [c.id]);
    expect(await repo.advanceReadMarker(c.id, 'a', 5)).toBe(5);
    expect(await repo.advanceReadMarker(c.id, 'a', 3)).toBe(5);
    expect(await repo.advanceReadMarker(c.id, 'nobody', 3)).toBe(0);
    expect(await repo.readersAtOrPast(c.id, 4)).toBe(1);
    expect(await repo.removeMember(c.id, 'owner')).toEqual({ removed: true, promoted: 'a' });
    expect(await repo.removeMember(c.id, 'owner')).toEqual({ removed: false, promoted: null });
    expect(await repo.memberCount(c.id)).toBe(2);
  });

  it('keeps the first ban of a user (a new reason replaces the old, none keeps it) and shows the pseudonym it was made through', async () => {
    const c = conversation();
    const at = '2026-12-05T08:00:00.000Z';
    expect(await mod.ban(c.id, 'u1', 'mod-a', 'spam', at)).toEqual({ user_id: 'u1', banned_by: 'mod-a', reason: 'spam', banned_at: at });
    expect(await mod.ban(c.id, 'u1', 'mod-b', null, '2026-12-05T09:00:00.000Z')).toEqual({ user_id: 'u1', banned_by: 'mod-a', reason: 'spam', banned_at: at });
    expect((await mod.ban(c.id, 'u1', 'mod-b', 'abuse', '2026-12-05T09:00:00.000Z')).reason).toBe('abuse');
    expect((await mod.ban(c.id, 'u2', 'mod-a', null, at, 'p-aaaaaaaaaaaaaaaa')).user_id).toBe('p-aaaaaaaaaaaaaaaa');
    expect(await mod.bannedAmong(c.id, ['u1', 'u2', 'u3'])).toEqual(expect.arrayContaining(['u1', 'u2']));
    expect((await mod.bans(c.id, 10, null)).map((b) => b.user_id)).toEqual(['p-aaaaaaaaaaaaaaaa', 'u1']);
    expect((await mod.bans(c.id, 10, 'p-aaaaaaaaaaaaaaaa')).map((b) => b.user_id)).toEqual(['u1']);
    expect(await mod.unban(c.id, 'u1')).toBe(true);
    expect(await mod.unban(c.id, 'u1')).toBe(false);
  });

  it('files a report once per member and message, resolves it once, and pages reports and the audit log by id', async () => {
    const c = conversation();
    const at = '2026-12-05T08:00:00.000Z';
    const first = await mod.report(c.id, 7, 'r1', 'rude', at);
    expect(first).toMatchObject({ created: true, report: { conversation_id: c.id, seq: 7, reporter_id: 'r1', status: 'open', resolution: null } });
    const again = await mod.report(c.id, 7, 'r1', 'still rude', at);
    expect(again).toEqual({ created: false, report: first.report });
    const other = (await mod.report(c.id, 8, 'r1', 'spam', at)).report;
    expect(await mod.findReport(c.id, first.report.id)).toEqual(first.report);
    expect(await mod.findReport('elsewhere', first.report.id)).toBeNull();
    expect(await mod.findReport(c.id, 'not-an-id')).toBeNull();
    const resolved = await mod.resolve(c.id, first.report.id, 'mod', 'dismissed', at);
    expect(resolved).toMatchObject({ status: 'resolved', resolved_by: 'mod', resolution: 'dismissed', resolved_at: at });
    expect(await mod.resolve(c.id, first.report.id, 'mod', 'actioned', at)).toBeNull();
    expect((await mod.reports(c.id, 'open', 10, null)).map((r) => r.id)).toEqual([other.id]);
    expect((await mod.reports(c.id, 'all', 10, null)).map((r) => r.id)).toEqual([first.report.id, other.id]);
    expect((await mod.reports(c.id, 'all', 10, first.report.id)).map((r) => r.id)).toEqual([other.id]);

    const entry = { conversation_id: c.id, actor_id: 'mod', action: 'member.muted' as const, target_user_id: 'u1', target_seq: null, details: { until: at }, at };
    await mod.audit(entry, 'step-1');
    await mod.audit(entry, 'step-1'); // a repeated sequencer step
    await mod.audit({ ...entry, target_seq: 7, details: null });
    const log = await mod.auditPage(c.id, 10, null);
    expect(log.map((e) => [e.target_seq, e.details])).toEqual([[7, null], [null, { until: at }]]);
    expect((await mod.auditPage(c.id, 10, log[0].id)).map((e) => e.id)).toEqual([log[1].id]);
  });

  it('gives an anonymous member a pseudonym, the same one again within the rejoin window, and a new one after it', async () => {
    const c = conversation({ anonymous: 'allowed' });
    await repo.create(c, null, [{ userId: 'owner', role: 'owner' }]);
    const t0 = Date.parse(c.created_at);
    await repo.addMembers(c.id, ['anon'], new Date(t0).toISOString(), { windowSeconds: 60 });
    const pid = (await repo.senderAliases(c.id, ['anon', 'owner']))?.get('anon') as string;
    expect(pid).toMatch(/^p-/);
    expect((await repo.membership(c.id, pid))?.user_id).toBe('anon');
    expect(await participants.userOf(c.id, pid)).toBe('anon');
    expect(await repo.sharesConversation('owner', 'anon')).toBe(false);

    expect((await repo.removeMember(c.id, 'anon')).removed).toBe(true);
    expect((await participants.link(pid))?.left_at).not.toBeNull();
    await repo.addMembers(c.id, ['anon'], new Date(Date.now() + 1000).toISOString(), { windowSeconds: 60 });
    expect((await repo.senderAliases(c.id, ['anon']))?.get('anon')).toBe(pid);
    expect((await participants.link(pid))?.left_at).toBeNull();

    await repo.removeMember(c.id, 'anon');
    await repo.addMembers(c.id, ['anon'], new Date(Date.now() + 120_000).toISOString(), { windowSeconds: 60 });
    const next = (await repo.senderAliases(c.id, ['anon']))?.get('anon');
    expect(next).toMatch(/^p-/);
    expect(next).not.toBe(pid);
    expect((await repo.members(c.id, 10, null)).find((m) => m.user_id === 'anon')?.display_name).toEqual(expect.any(String));
  });
});
