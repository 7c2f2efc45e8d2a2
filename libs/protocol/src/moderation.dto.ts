import type { MemberRole } from './dto';

/** Issue 13.4 (docs/api/v1.md "Moderation"): what the moderation routes answer. */

export type RankDto = 'owner' | 'admin' | 'moderator' | 'member';

export interface ModerationSettingsDto {
  conversation_id: string;
  slow_mode_seconds: number;
  announcement: boolean;
  me: { rank: RankDto; muted_until: string | null };
}

export interface ModeratedMemberDto {
  user_id: string;
  role: MemberRole;
  rank: RankDto;
  joined_at: string;
  muted_until: string | null;
}

export interface BanDto {
  user_id: string;
  banned_by: string;
  reason: string | null;
  banned_at: string;
}

export interface ReportDto {
  id: string;
  conversation_id: string;
  seq: number;
  reporter_id: string;
  reason: string;
  created_at: string;
  status: 'open' | 'resolved';
  resolved_by: string | null;
  resolved_at: string | null;
  resolution: 'dismissed' | 'actioned' | null;
}

export type AuditActionDto =
  | 'rank.changed' | 'member.muted' | 'member.unmuted' | 'member.kicked' | 'member.banned' | 'member.unbanned'
  | 'message.deleted' | 'settings.changed' | 'report.resolved';

export interface AuditEntryDto {
  id: string;
  conversation_id: string;
  actor_id: string;
  action: AuditActionDto;
  target_user_id: string | null;
  target_seq: number | null;
  details: Record<string, unknown> | null;
  at: string;
}
