import { Injectable } from '@nestjs/common';
import { CodeChannel, IdentityView, RelationalTx } from '@parley/ports';

/** Verified phone numbers and e-mail addresses of users; each belongs to one user. */
@Injectable()
export class IdentitiesRepository {
  async ownerOf(tx: RelationalTx, channel: CodeChannel, address: string): Promise<string | null> {
    const row = await tx.userIdentity.findUnique({ where: { channel_address: { channel, address } }, select: { userId: true } });
    return row?.userId ?? null;
  }

  /** Throws a unique violation when the identity already has an owner. */
  async insert(tx: RelationalTx, channel: CodeChannel, address: string, userId: string): Promise<void> {
    await tx.userIdentity.create({ data: { channel, address, userId } });
  }

  async listOf(tx: RelationalTx, userId: string): Promise<IdentityView[]> {
    const rows = await tx.userIdentity.findMany({
      where: { userId },
      orderBy: [{ verifiedAt: 'asc' }, { channel: 'asc' }, { address: 'asc' }],
      select: { channel: true, address: true, verifiedAt: true },
    });
    return rows.map((row) => ({ channel: row.channel as CodeChannel, destination: row.address, verified_at: row.verifiedAt.toISOString() }));
  }
}
