import { Injectable } from '@nestjs/common';
import { RelationalTx } from '@parley/ports';

export interface ConsumedRefreshToken {
  sessionId: string;
  expired: boolean;
}

/** Refresh tokens by their SHA-256; the clear token is never stored. */
@Injectable()
export class RefreshTokensRepository {
  async insert(tx: RelationalTx, tokenHash: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await tx.refreshToken.create({ data: { tokenHash, sessionId, expiresAt: new Date(Date.now() + ttlSeconds * 1000) } });
  }

  /**
   * Marks the token used and records its successor, atomically: the update's `usedAt: null`
   * condition is re-checked under the row lock, so of two concurrent refreshes with the same token
   * exactly one updates a row. Null when the token is unknown or already used.
   */
  async consume(tx: RelationalTx, tokenHash: string, replacedBy: string): Promise<ConsumedRefreshToken | null> {
    const now = new Date();
    const { count } = await tx.refreshToken.updateMany({ where: { tokenHash, usedAt: null }, data: { usedAt: now, replacedBy } });
    if (count === 0) return null;
    const row = await tx.refreshToken.findUnique({ where: { tokenHash }, select: { sessionId: true, expiresAt: true } });
    if (!row) return null;
    return { sessionId: row.sessionId, expired: row.expiresAt.getTime() <= now.getTime() };
  }

  /** The session of a token that exists (used or not), or null for a token never issued. */
  async sessionOf(tx: RelationalTx, tokenHash: string): Promise<string | null> {
    const row = await tx.refreshToken.findUnique({ where: { tokenHash }, select: { sessionId: true } });
    return row?.sessionId ?? null;
  }
}
