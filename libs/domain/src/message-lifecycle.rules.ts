import { DomainError } from './errors';
import { Message } from './model';
import { atLeast, isRank } from './moderation.rules';

/**
 * Who may do what to a message (issue 13, docs/adr/0010-message-lifecycle.md). The one place
 * these checks live: the moderation feature adds its `moderator` role here and nowhere else.
 */

/** Ranks that moderate a conversation (moderator and above): see originals of edited messages, delete others' messages. */
export const moderates = (role: string): boolean => isRank(role) && atLeast(role, 'moderator');

/** Only the sender edits, and only a live message (not an entry, not a tombstone). */
export function checkEdit(target: Message | null, actorId: string): Message {
  const live = checkLive(target);
  if (live.sender_id !== actorId) throw new DomainError('FORBIDDEN', 'only the sender can edit a message');
  return live;
}

/** The sender, or a member who moderates, deletes. */
export function checkDelete(target: Message | null, actorId: string, actorRole: string): Message {
  const live = checkLive(target);
  if (live.sender_id !== actorId && !moderates(actorRole)) throw new DomainError('FORBIDDEN', 'only the sender or a moderator can delete a message');
  return live;
}

/** Any member reacts to, or replies to, a live message. */
export function checkLive(target: Message | null): Message {
  if (!target || target.kind !== undefined) throw new DomainError('NOT_FOUND', 'message not found');
  if (target.deleted_at !== undefined) throw new DomainError('NOT_FOUND', 'message was deleted');
  return target;
}

/** A reply points at a message of the conversation (a tombstone too: the thread stays). */
export function checkReplyTarget(target: Message | null): Message {
  if (!target || target.kind !== undefined) throw new DomainError('VALIDATION_FAILED', 'reply_to names no message of this conversation');
  return target;
}

/** The message as a reader sees it: a tombstone keeps no body, mentions or reactions. */
export function tombstone(target: Message, by: string, at: string): Message {
  const { mentions: _m, reactions: _r, edited_at: _e, ...rest } = target;
  return { ...rest, body: { text: '' }, deleted_at: at, deleted_by: by };
}
