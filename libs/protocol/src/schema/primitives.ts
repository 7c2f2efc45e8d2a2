import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { Limits } from '../constants';

/**
 * Building blocks of the contract's schemas. Strings carry `format: "text"` (no NUL, no unpaired
 * surrogate: see isCleanText) and JSON Schema lengths, which count code points as the contract does.
 */
export const Text = (maxChars: number, minChars = 1, description?: string) =>
  Type.String({ minLength: minChars, maxLength: maxChars, format: 'text', ...(description ? { description } : {}) });

/** An opaque id (conversation, user, message) as a client may send it. */
export const Id = (description?: string) => Text(Limits.ID_MAX, 1, description);

export const Seq = (description?: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });

/** A timestamp as the server writes it (RFC 3339, UTC). */
export const Timestamp = () => Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const MemberRole = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
export const ConversationType = Type.Union([Type.Literal('direct'), Type.Literal('group')]);
export const PresenceStatus = Type.Union([Type.Literal('online'), Type.Literal('offline')]);

/** One of a few strings, as a JSON Schema `enum` (one clear error: "must be one of a, b"). */
export const Enum = <T extends string>(values: readonly T[], description?: string): TUnsafe<T> =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/** A seq that names a message (1 or more). */
export const TargetSeq = (description?: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });

/** A reaction: one emoji or short code, no whitespace (issue 13). */
export const Emoji = () => Type.String({ minLength: 1, maxLength: Limits.EMOJI_MAX, format: 'text', pattern: '^\\S+$', description: 'one emoji or short code without whitespace' });
