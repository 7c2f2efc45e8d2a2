import { Rank } from '@parley/domain';

/**
 * Issue 13.4 (docs/api/v1.md "Moderation", docs/adr/0017-moderation.md): one conversation's
 * moderation, as the gateway asks the messaging service for it (ConversationApi.moderate). The
 * gateway validates each request with the schemas of libs/protocol; the service checks ranks.
 */
export type ModerationRequest =
  | { op: 'settings.get' }
  | { op: 'settings.set'; slow_mode_seconds?: number; announcement?: boolean }
  | { op: 'rank.set'; user_id: string; rank: Rank }
  | { op: 'mute'; user_id: string; duration_seconds: number }
  | { op: 'unmute'; user_id: string }
  | { op: 'kick'; user_id: string }
  | { op: 'ban'; user_id: string; reason: string | null }
  | { op: 'unban'; user_id: string }
  | { op: 'bans.list'; limit: number; cursor: string | null }
  | { op: 'report'; seq: number; reason: string }
  | { op: 'reports.list'; status: 'open' | 'all'; limit: number; cursor: string | null }
  | { op: 'report.resolve'; report_id: string; resolution: 'dismissed' | 'actioned' }
  | { op: 'audit.list'; limit: number; cursor: string | null };

export type ModerationOp = ModerationRequest['op'];

/** The answer's body (the JSON the gateway returns), and whether it created something (201). */
export interface ModerationReply {
  created: boolean;
  /** Null for an answer without a body (204). */
  body: Record<string, unknown> | null;
}
