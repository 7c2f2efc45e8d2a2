// ESLint 9 flat config: typescript-eslint's recommended rules everywhere, and Nx's module
// boundaries between the projects under libs/ and apps/ (their tags live in project.json).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { createProjectGraphAsync } from '@nx/devkit';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads only Nx's cached project graph and silently skips itself
// when there is none (a fresh clone, CI). Building the graph here makes `eslint .` check the
// boundaries on every run. The daemon is off unless the caller asked for it: a lint run must
// not leave a background process behind.
process.env.NX_DAEMON ??= 'false';
await createProjectGraphAsync({ exitOnError: true });

/** Services, by their `scope:*` tag. Each may use shared code only, never another service. */
const serviceScopes = ['auth', 'messaging', 'fanout', 'gateway', 'presence', 'notification'];

const depConstraints = [
  // The core: pure rules and types, no I/O, nothing but itself.
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: ['*'] },
  // Shared libraries: protocol, config, observability, ports, tokens, client.
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
  // Real adapters of the ports (Kafka, Scylla, Redis, Postgres): wired in by apps, never by services.
  { sourceTag: 'type:adapters', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
  // Services talk to each other through ports, never by import.
  { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib', 'type:domain'] },
  // Browser code: the protocol and the client SDK, nothing that needs Node.
  { sourceTag: 'type:app-ui', onlyDependOnLibsWithTags: ['type:lib'] },
  // libs/runtime: how a process is run and wired, shared by the deployables. It is composition,
  // so like an app it may reach services (readiness checks) and adapters.
  { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:lib', 'type:domain', 'type:adapters', 'type:service'] },
  // Deployables compose everything, but never import one another.
  { sourceTag: 'type:app', notDependOnLibsWithTags: ['type:app'] },
  ...serviceScopes.map((scope) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: [`scope:${scope}`, 'scope:shared'] })),
];

/**
 * The shared contract suite of each port lives in libs/ports/src/contract, outside the package
 * index because it runs on Jest's globals. Every adapter's spec runs it, so specs may import it
 * by relative path; nothing else may.
 */
const contractSuites = '^(\\.\\./)+ports/src/contract$';

/**
 * The TLS test servers and test CA of libs/adapters/src/testing (made at test time with openssl)
 * and its recording logger: the specs of other libs that speak TLS (rpc, runtime) import them by
 * relative path, rather than a second copy; nothing else may.
 */
const adapterTestServers = '^(\\.\\./)+adapters/src/testing/(tls-servers|tls-jvm-servers|recording-logger)$';

/** Node's globals, for the few plain JavaScript files (tools, jest.config.js). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'require', 'module', 'exports', '__dirname', '__filename'].map((name) => [
    name,
    'readonly',
  ]),
);

export default defineConfig([
  globalIgnores(['**/dist/', '**/node_modules/', '**/coverage/', '.nx/', '.data/', 'libs/ports/src/relational/generated/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `const { type: _type, ...rest } = frame` is how the code drops a field from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // An object literal's getter has its own `this`; `const self = this` is how such a getter
      // reads its owner's live state (test/support/parley-process.ts). Other aliases stay errors.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      // A lib is used through its index (`@parley/<lib>`), the only path tsconfig maps.
      'no-restricted-imports': ['error', { patterns: [{ regex: '^@parley/[^/]+/', message: 'import @parley/<lib> itself, not a file inside it.' }] }],
    },
  },
  {
    files: ['**/*.{js,cjs,mjs}'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    // CommonJS files (jest.config.js, the pre-install node_modules check) cannot use import.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['libs/**/*.{ts,js,mjs}', 'apps/**/*.{ts,js,mjs}'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [], depConstraints }],
    },
  },
  {
    files: ['libs/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': ['error', { allow: [contractSuites, adapterTestServers], depConstraints }],
    },
  },
  {
    // Node built-ins are not in Nx's graph, so the domain's "no I/O" is also checked by path:
    // libs/domain imports only its own files (this replaces the pattern above, which it covers).
    files: ['libs/domain/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.{1,2}/)', message: 'libs/domain is pure: relative imports only, no I/O.' }] }],
    },
  },
]);
