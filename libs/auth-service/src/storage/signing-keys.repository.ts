import { Inject, Injectable } from '@nestjs/common';
import { SQL_DB, SqlDb } from '@parley/ports';
import { SigningKey } from '@parley/tokens';
import { toJsonObject } from './sql-values';

type Jwk = SigningKey['publicJwk'];

/** Arbitrary constant naming the advisory lock that serializes key creation across replicas. */
const KEY_CREATION_LOCK = 4242101;

/** Retired keys stay published this long, well past the last access token they signed (15 min). */
const RETIRED_KEY_RETENTION = `interval '1 day'`;

@Injectable()
export class SigningKeysRepository {
  constructor(@Inject(SQL_DB) private readonly db: SqlDb) {}

  /**
   * The newest active key, created with `generate` when there is none. Replicas booting together
   * serialize on an advisory lock, so they agree on one key.
   */
  activeOrCreate(generate: () => Promise<SigningKey>): Promise<SigningKey> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${KEY_CREATION_LOCK})`);
      const r = await tx.query<{ kid: string; private_jwk: unknown; public_jwk: unknown }>(
        `SELECT kid, private_jwk, public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1`,
      );
      if (r.rows.length) {
        const row = r.rows[0];
        return { kid: row.kid, privateJwk: toJsonObject<Jwk>(row.private_jwk), publicJwk: toJsonObject<Jwk>(row.public_jwk) };
      }
      const key = await generate();
      await tx.query(`INSERT INTO signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2::jsonb, $3::jsonb)`, [
        key.kid,
        JSON.stringify(key.privateJwk),
        JSON.stringify(key.publicJwk),
      ]);
      return key;
    });
  }

  /** Public JWKs of the active keys and of those retired recently. */
  async published(): Promise<Jwk[]> {
    const r = await this.db.query<{ public_jwk: unknown }>(
      `SELECT public_jwk FROM signing_keys WHERE retired_at IS NULL OR retired_at > now() - ${RETIRED_KEY_RETENTION} ORDER BY created_at DESC, kid`,
    );
    return r.rows.map((row) => toJsonObject<Jwk>(row.public_jwk));
  }
}
