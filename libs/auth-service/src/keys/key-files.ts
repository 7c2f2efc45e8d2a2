import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, JWK } from 'jose';
import { SigningKey, TOKEN_ALG, TOKEN_CURVE } from '@parley/tokens';

/** More keys than this in the directory is a mistake (rotation needs two, at most three). */
const MAX_KEYS = 16;
const MAX_FILE_BYTES = 16 * 1024;

/**
 * Signing keys from a directory (PARLEY_JWT_KEYS_DIR: in a cluster, a Secret mounted as files), one
 * private Ed25519 JWK per file (`node dist/apps/auth/src/keygen.js` writes one). Every key is
 * published for verification; one, the active kid, signs. Names starting with "." are skipped
 * (a mounted Secret's ..data links). The kid is the file's `kid`, else the key's RFC 7638 thumbprint.
 */
export async function loadSigningKeys(dir: string): Promise<SigningKey[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    throw new Error(`PARLEY_JWT_KEYS_DIR ${dir} cannot be read: ${(err as Error).message}`);
  }
  const keys: SigningKey[] = [];
  for (const name of names) {
    const path = join(dir, name);
    // A Secret's files are symlinks into ..data: follow them, but only to regular files.
    const st = statSync(path);
    if (!st.isFile()) continue;
    if (st.size > MAX_FILE_BYTES) throw new Error(`signing key ${path}: larger than ${MAX_FILE_BYTES} bytes`);
    keys.push(await parseKey(readFileSync(path, 'utf8'), path));
  }
  if (keys.length === 0) throw new Error(`PARLEY_JWT_KEYS_DIR ${dir} holds no signing key`);
  if (keys.length > MAX_KEYS) throw new Error(`PARLEY_JWT_KEYS_DIR ${dir} holds ${keys.length} keys; at most ${MAX_KEYS}`);
  const kids = new Set(keys.map((k) => k.kid));
  if (kids.size !== keys.length) throw new Error(`PARLEY_JWT_KEYS_DIR ${dir}: two files hold keys with the same kid`);
  return keys;
}

/** The key that signs: `activeKid`, or the only key when there is one. */
export function activeKey(keys: readonly SigningKey[], activeKid: string): SigningKey {
  if (!activeKid) {
    if (keys.length === 1) return keys[0];
    throw new Error(`PARLEY_JWT_ACTIVE_KID must name the signing key: the key directory holds ${keys.length} (${keys.map((k) => k.kid).join(', ')})`);
  }
  const key = keys.find((k) => k.kid === activeKid);
  if (!key) throw new Error(`PARLEY_JWT_ACTIVE_KID ${activeKid} is not among the keys (${keys.map((k) => k.kid).join(', ')})`);
  return key;
}

async function parseKey(text: string, where: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(`signing key ${where}: not JSON`);
  }
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'OKP' || jwk.crv !== TOKEN_CURVE || typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error(`signing key ${where}: must be a private ${TOKEN_CURVE} JWK (kty OKP, crv ${TOKEN_CURVE}, x, d)`);
  }
  if (jwk.alg !== undefined && jwk.alg !== TOKEN_ALG) throw new Error(`signing key ${where}: alg must be ${TOKEN_ALG}`);
  const bare = { kty: 'OKP', crv: TOKEN_CURVE, x: jwk.x };
  const kid = typeof jwk.kid === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(jwk.kid) ? jwk.kid : await calculateJwkThumbprint(bare);
  const labels = { kid, alg: TOKEN_ALG, use: 'sig' };
  return { kid, publicJwk: { ...bare, ...labels }, privateJwk: { ...bare, d: jwk.d, ...labels } };
}
