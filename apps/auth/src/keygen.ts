import { generateSigningKey } from '@parley/tokens';

/**
 * Prints a new private signing key (an Ed25519 JWK with its kid) for PARLEY_JWT_KEYS_DIR:
 *   node dist/apps/auth/src/keygen.js > key.json
 * The output is a secret: put it in a Kubernetes Secret, never in a repository (docs/deploy.md).
 */
void generateSigningKey().then(
  (key) => process.stdout.write(JSON.stringify(key.privateJwk) + '\n'),
  (err: unknown) => {
    process.stderr.write(`keygen failed: ${String(err)}\n`);
    process.exit(1);
  },
);
