// Type-aware lint for every package. Services may not import databases, cloud clients or
// the HTTP framework: they go through the storage ports (see docs/ARCHITECTURE.md).
import tseslint from 'typescript-eslint';

const portsOnly = {
  paths: [
    { name: 'better-sqlite3', message: 'Services use the EntityStore port (storage/entity-store.ts), never a database client.' },
    { name: 'fastify', message: 'Services are HTTP-agnostic; keep request handling in http/.' },
    { name: 'cassandra-driver', message: 'Use the EntityStore port; cluster adapters live in @waggle/server-cluster.' },
    { name: '@opensearch-project/opensearch', message: 'Use the EntityStore port; cluster adapters live in @waggle/server-cluster.' },
  ],
  patterns: [
    { group: ['@aws-sdk/*'], message: 'Use the BlobStore port (storage/blob-store.ts).' },
    { group: ['@fastify/*'], message: 'Services are HTTP-agnostic; keep request handling in http/.' },
    { group: ['**/storage/sqlite/*', '**/storage/localfs/*'], message: 'Services depend on the ports, not on an adapter; adapters are wired in server.ts.' },
    { group: ['**/http/*'], message: 'Services must not depend on the HTTP layer.' },
  ],
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'bench/.data/**', 'test/compat/.venv/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      '@typescript-eslint/unbound-method': 'off',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'multi-line'],
    },
  },
  {
    files: ['packages/server/src/services/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', portsOnly] },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts', '**/conformance/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' }] },
      ],
    },
  },
);
