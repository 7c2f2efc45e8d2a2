import { Inject, Injectable } from '@nestjs/common';
import { RELATIONAL_DB, RelationalDb, RelationalJsonObject } from '@parley/ports';
import { SigningKey } from '@parley/tokens';
import { toJsonObject } from './sql-values';

type Jwk = SigningKey['publicJwk'];

/** Arbitrary constant naming the advisory lock that serializes key creation across replicas. */
const KEY_CREATION_LOCK = 4242101;

/** Retired keys stay published this long, well past the last access token they signed (15 min). */
const RETIRED_KEY_RETENTION_MS = 24 * 3600 * 1000;

@Injectable()
export class SigningKeysRepository {
  constructor(@Inject(RELATIONAL_DB) private readonly db: RelationalDb) {}

  /**
   * The newest active key, created with `generate` when there is none. Replicas booting together
   * serialize on an advisory lock (raw SQL: Prisma has no lock API), so they agree on one key.
   */
  activeOrCreate(generate: () => Promise<SigningKey>): Promise<SigningKey> {
    return this.db.transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEY_CREATION_LOCK}::bigint)`;
      const row = await tx.signingKey.findFirst({
        where: { retiredAt: null },
        orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }],
        select: { kid: true, privateJwk: true, publicJwk: true },
      });
      if (row) return { kid: row.kid, privateJwk: toJsonObject<Jwk>(row.privateJwk), publicJwk: toJsonObject<Jwk>(row.publicJwk) };
      const key = await generate();
      await tx.signingKey.create({ data: { kid: key.kid, privateJwk: jsonOf(key.privateJwk), publicJwk: jsonOf(key.publicJwk) } });
      return key;
    });
  }

  /** Public JWKs of the active keys and of those retired recently. */
  async published(): Promise<Jwk[]> {
    const since = new Date(Date.now() - RETIRED_KEY_RETENTION_MS);
    const rows = await this.db.run((c) =>
      c.signingKey.findMany({
        where: { OR: [{ retiredAt: null }, { retiredAt: { gt: since } }] },
        orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }],
        select: { publicJwk: true },
      }),
    );
    return rows.map((row) => toJsonObject<Jwk>(row.publicJwk));
  }
}

/** A JWK as stored: its JSON form (no undefined members). */
function jsonOf(jwk: Jwk): RelationalJsonObject {
  return JSON.parse(JSON.stringify(jwk)) as RelationalJsonObject;
}
