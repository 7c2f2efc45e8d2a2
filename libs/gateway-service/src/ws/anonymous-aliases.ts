import { ConversationApi } from '@parley/ports';

/** How long a member's pseudonym is trusted before it is read again (a rejoin after the window draws a new one). */
const ALIAS_TTL_MS = 10_000;
const REMEMBERED = 100_000;

/**
 * Issue 14 (docs/adr/0016): the pseudonym a user's typing frames carry in an anonymous group.
 * Whether a conversation is anonymous never changes, so a plain one is remembered and costs no
 * call again; an anonymous member's participant id is cached briefly (typing is rate-limited).
 */
export class AnonymousAliases {
  private readonly plain = new Set<string>();
  private readonly aliases = new Map<string, { pid: string | null; at: number }>();

  constructor(private readonly conversations: Pick<ConversationApi, 'get'>, private readonly now: () => number = Date.now) {}

  /** `{participant_id}` to spread into a typing event, or nothing for a named member. */
  async typingAlias(userId: string, conversationId: string): Promise<{ participant_id?: string }> {
    const pid = await this.of(userId, conversationId);
    return pid ? { participant_id: pid } : {};
  }

  async of(userId: string, conversationId: string): Promise<string | null> {
    if (this.plain.has(conversationId)) return null;
    const key = `${conversationId}\n${userId}`;
    const hit = this.aliases.get(key);
    if (hit && this.now() - hit.at < ALIAS_TTL_MS) return hit.pid;
    const view = await this.conversations.get(userId, conversationId);
    if (view.anonymous !== 'allowed') {
      if (this.plain.size >= REMEMBERED) this.plain.clear();
      this.plain.add(conversationId);
      return null;
    }
    const pid = view.me.participant_id ?? null;
    if (this.aliases.size >= REMEMBERED) this.aliases.clear();
    this.aliases.set(key, { pid, at: this.now() });
    return pid;
  }
}
