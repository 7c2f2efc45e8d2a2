import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWK } from 'jose';
import { TOKEN_ALG, TOKEN_CURVE } from './token.constants';

/**
 * An Ed25519 key pair as JWKs. `kid` is the RFC 7638 thumbprint of the public key, so the same
 * key always has the same id. The private JWK is a secret: store it, never publish it.
 */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { crv: TOKEN_CURVE, extractable: true });
  const bare = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(bare);
  const labels = { kid, alg: TOKEN_ALG, use: 'sig' };
  return {
    kid,
    publicJwk: { ...bare, ...labels },
    privateJwk: { ...(await exportJWK(privateKey)), ...labels },
  };
}

