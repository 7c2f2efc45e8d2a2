import { Type } from '@sinclair/typebox';
import { Enum, Id, Nullable, Text, Timestamp } from './primitives';

/** Issue 13.4 (docs/api/v1.md "Moderation", docs/adr/0017-moderation.md): bodies and answers. */

export const RANK_VALUES = ['owner', 'admin', 'moderator', 'member'] as const;
export const Rank = Enum(RANK_VALUES, 'owner > admin > moderator > member');
export const MAX_MUTE_SECONDS = 366 * 24 * 3600;
export const MAX_SLOW_MODE_SECONDS = 6 * 3600;
export const REASON_MAX = 500;

export const ModerationSettingsBody = Type.Object(
  {
    slow_mode_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_SLOW_MODE_SECONDS, description: 'one message per this many seconds per member; 0 turns slow mode off' })),
    announcement: Type.Optional(Type.Boolean({ description: 'only admins and the owner post' })),
  },
  { $id: 'ModerationSettingsBody' },
);
export const RankBody = Type.Object({ rank: Rank }, { $id: 'RankBody' });
export const MuteBody = Type.Object({ duration_seconds: Type.Integer({ minimum: 1, maximum: MAX_MUTE_SECONDS }) }, { $id: 'MuteBody' });
export const BanBody = Type.Object({ user_id: Id(), reason: Type.Optional(Nullable(Text(REASON_MAX))) }, { $id: 'BanBody' });
export const ReportBody = Type.Object({ reason: Text(REASON_MAX) }, { $id: 'ReportBody' });
export const ResolveReportBody = Type.Object({ resolution: Enum(['dismissed', 'actioned'] as const) }, { $id: 'ResolveReportBody' });

export const ModerationSettings = Type.Object(
  {
    conversation_id: Type.String(),
    slow_mode_seconds: Type.Integer({ minimum: 0 }),
    announcement: Type.Boolean(),
    me: Type.Object({ rank: Rank, muted_until: Nullable(Timestamp()) }),
  },
  { $id: 'ModerationSettings' },
);
export const ModeratedMember = Type.Object(
  {
    member: Type.Object({
      user_id: Type.String(),
      role: Type.Union([Type.Literal('admin'), Type.Literal('member')]),
      rank: Rank,
      joined_at: Timestamp(),
      muted_until: Nullable(Timestamp()),
    }),
  },
  { $id: 'ModeratedMember' },
);
const Ban = Type.Object({ user_id: Type.String(), banned_by: Type.String(), reason: Nullable(Type.String()), banned_at: Timestamp() });
export const BanResult = Type.Object({ ban: Ban }, { $id: 'BanResult' });
export const BanList = Type.Object({ bans: Type.Array(Ban), next_cursor: Nullable(Type.String()) }, { $id: 'BanList' });
const Report = Type.Object({
  id: Type.String(),
  conversation_id: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  reporter_id: Type.String(),
  reason: Type.String(),
  created_at: Timestamp(),
  status: Enum(['open', 'resolved'] as const),
  resolved_by: Nullable(Type.String()),
  resolved_at: Nullable(Timestamp()),
  resolution: Nullable(Enum(['dismissed', 'actioned'] as const)),
});
export const ReportResult = Type.Object({ report: Report }, { $id: 'ReportResult' });
export const ReportList = Type.Object({ reports: Type.Array(Report), next_cursor: Nullable(Type.String()) }, { $id: 'ReportList' });
export const AUDIT_ACTIONS = ['rank.changed', 'member.muted', 'member.unmuted', 'member.kicked', 'member.banned', 'member.unbanned', 'message.deleted', 'settings.changed', 'report.resolved'] as const;
export const AuditList = Type.Object(
  {
    entries: Type.Array(Type.Object({
      id: Type.String(),
      conversation_id: Type.String(),
      actor_id: Type.String(),
      action: Enum(AUDIT_ACTIONS),
      target_user_id: Nullable(Type.String()),
      target_seq: Nullable(Type.Integer({ minimum: 1 })),
      details: Nullable(Type.Object({}, { additionalProperties: true })),
      at: Timestamp(),
    })),
    next_cursor: Nullable(Type.String()),
  },
  { $id: 'AuditList', description: 'newest first' },
);
