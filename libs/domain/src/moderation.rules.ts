import { DomainError, forbidden } from './errors';
import { Conversation, MemberRole, Membership, Rank } from './model';

/**
 * Who may moderate whom (issue 13.4, docs/adr/0017-moderation.md). Ranks are ordered
 * owner > admin > moderator > member; nobody acts on a member of equal or higher rank.
 */
export const RANKS: readonly Rank[] = ['owner', 'admin', 'moderator', 'member'];
const LEVEL: Record<Rank, number> = { owner: 3, admin: 2, moderator: 1, member: 0 };

export const isRank = (v: unknown): v is Rank => typeof v === 'string' && Object.hasOwn(LEVEL, v);
export const atLeast = (rank: Rank, min: Rank): boolean => LEVEL[rank] >= LEVEL[min];
export const outranks = (a: Rank, b: Rank): boolean => LEVEL[a] > LEVEL[b];
/** The contract's v1 `role`: an owner or an admin is `admin`, a moderator or a member `member`. */
export const roleOf = (rank: Rank): MemberRole => (atLeast(rank, 'admin') ? 'admin' : 'member');

/** The longest mute, and the slowest slow mode. */
export const MAX_MUTE_SECONDS = 366 * 24 * 3600;
export const MAX_SLOW_MODE_SECONDS = 6 * 3600;

function groupOnly(conversation: Conversation): void {
  if (conversation.type !== 'group') throw forbidden('a direct conversation has no moderation');
}

/** Mute, kick and ban of another member: a moderator or above, over a strictly lower rank. */
export function assertCanModerate(conversation: Conversation, actor: Membership, targetId: string, target: Membership | null): void {
  groupOnly(conversation);
  if (!atLeast(actor.role, 'moderator')) throw forbidden('only moderators, admins and owners moderate members');
  if (actor.user_id === targetId) throw forbidden('you cannot moderate yourself');
  if (target && !outranks(actor.role, target.role)) throw forbidden('you cannot act on a member of equal or higher rank');
}

/** Reading the queue, the bans and the audit log, resolving reports, slow mode: moderators and above. */
export function assertModerator(conversation: Conversation, actor: Membership): void {
  groupOnly(conversation);
  if (!atLeast(actor.role, 'moderator')) throw forbidden('only moderators, admins and owners can do this');
}

/** Turning a conversation into an announcement conversation (or back): admins and the owner. */
export function assertAdmin(conversation: Conversation, actor: Membership): void {
  groupOnly(conversation);
  if (!atLeast(actor.role, 'admin')) throw forbidden('only admins and owners can do this');
}

/**
 * Changing a member's rank. Others: the actor is an admin or above, outranks the target's current
 * rank, and grants a rank below their own (an owner may also name another owner). Oneself: only
 * down; the last owner cannot step down before naming another owner (CONFLICT).
 */
export function assertCanChangeRank(conversation: Conversation, actor: Membership, target: Membership, to: Rank, owners: number): void {
  groupOnly(conversation);
  if (actor.user_id === target.user_id) {
    if (!outranks(actor.role, to)) throw forbidden('you can only lower your own rank');
    if (actor.role === 'owner' && owners <= 1) throw new DomainError('CONFLICT', 'the last owner must name another owner before stepping down');
    return;
  }
  if (!atLeast(actor.role, 'admin')) throw forbidden('only admins and owners change ranks');
  if (!outranks(actor.role, target.role)) throw forbidden('you cannot change the rank of a member of equal or higher rank');
  if (!(actor.role === 'owner' || outranks(actor.role, to))) throw forbidden('you can only grant a rank below your own');
}

/** What a send is checked against: the sender's rank and mute, and the conversation's settings. */
export interface SendGate {
  rank: Rank;
  muted_until: string | null;
  slow_mode_seconds: number;
  announcement: boolean;
}

export interface SendRefusal {
  code: 'ANNOUNCEMENT_ONLY' | 'MUTED' | 'SLOW_MODE';
  message: string;
  retry_after?: number;
}

/**
 * Whether a new message may go in now: announcement conversations take messages from admins and
 * the owner only; a muted member waits for the mute to end; slow mode allows one message per
 * `slow_mode_seconds` per member (moderators and above are exempt). `lastSentMs`: when the
 * sender's previous message was accepted, if known.
 */
export function sendRefusal(gate: SendGate, nowMs: number, lastSentMs: number | undefined): SendRefusal | null {
  if (gate.announcement && !atLeast(gate.rank, 'admin')) {
    return { code: 'ANNOUNCEMENT_ONLY', message: 'only admins and owners post in an announcement conversation' };
  }
  if (gate.muted_until !== null) {
    const left = Date.parse(gate.muted_until) - nowMs;
    if (left > 0) return { code: 'MUTED', message: 'you are muted in this conversation', retry_after: Math.ceil(left / 1000) };
  }
  if (gate.slow_mode_seconds > 0 && !atLeast(gate.rank, 'moderator') && lastSentMs !== undefined) {
    const left = lastSentMs + gate.slow_mode_seconds * 1000 - nowMs;
    if (left > 0) return { code: 'SLOW_MODE', message: `slow mode: one message every ${gate.slow_mode_seconds} s`, retry_after: Math.ceil(left / 1000) };
  }
  return null;
}

/** A muted member may not edit either (an edit is new text); deletes and reactions stay open. */
export function muteRefusal(mutedUntil: string | null, nowMs: number): SendRefusal | null {
  if (mutedUntil === null) return null;
  const left = Date.parse(mutedUntil) - nowMs;
  return left > 0 ? { code: 'MUTED', message: 'you are muted in this conversation', retry_after: Math.ceil(left / 1000) } : null;
}
