import { generateSigningKey } from '@parley/tokens';

/**
 * Prints a new private signing key (an Ed25519 JWK) for PARLEY_JWT_KEYS_DIR:
 *   node dist/apps/auth/src/keygen.js [kid] > key.json
 * The kid defaults to the key's RFC 7638 thumbprint; a name such as "2026-04" makes rotations
 * easier to follow. The output is a secret: put it in a Kubernetes Secret, never in a repository
 * (docs/deploy.md).
 */
const kid = process.argv[2];
if (kid !== undefined && !/^[A-Za-z0-9._-]{1,128}$/.test(kid)) {
  process.stderr.write('keygen: the kid must be 1..128 characters of [A-Za-z0-9._-]\n');
  process.exit(2);
}
void generateSigningKey().then(
  (key) => process.stdout.write(JSON.stringify({ ...key.privateJwk, ...(kid ? { kid } : {}) }) + '\n'),
  (err: unknown) => {
    process.stderr.write(`keygen failed: ${String(err)}\n`);
    process.exit(1);
  },
);
