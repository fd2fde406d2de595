import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

// SQL lives in db/ (issue 19): statements in db/repositories/<area>.ts, transactions in db/tx.ts.
// Outside db/, a string that reads as a statement or a `.query(...)` call is an error. Tests and
// benches are outside the rule (they set up and inspect the database itself).
const SQL_STATEMENT = /\b(SELECT|INSERT|UPDATE|DELETE|REPLACE)\b[\s\S]*\b(FROM|INTO|SET)\b/;
const SQL_START = /^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|REPLACE INTO)\b/;
const sqlOnlyInDb = {
  meta: {
    type: 'problem',
    messages: {
      sql: 'SQL text belongs in db/ (db/repositories/<area>.ts); call a repository function instead.',
      query: 'Database queries belong in db/ (db/repositories/<area>.ts); call a repository function instead.',
    },
    schema: [],
  },
  create(context) {
    const looksLikeSql = (text) => SQL_STATEMENT.test(text) || SQL_START.test(text);
    return {
      Literal(node) {
        if (typeof node.value === 'string' && looksLikeSql(node.value)) context.report({ node, messageId: 'sql' });
      },
      TemplateLiteral(node) {
        if (looksLikeSql(node.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ? '))) context.report({ node, messageId: 'sql' });
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier' && callee.property.name === 'query') {
          context.report({ node, messageId: 'query' });
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'web/', '.tools/', '.data/', 'dist/', 'build/', 'test-results/', 'openapi/types.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflow code must be deterministic: no Node built-ins, no I/O clients, and activities
    // only as types (called through proxyActivities).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic: no Node built-ins.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node built-ins.' },
            { group: ['sequelize', 'mysql2', 'ioredis', 'axios', 'p-retry', 'pino', 'express', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'No I/O in workflow code; use an activity.' },
            { group: ['../activities/*', '../activities/**', '../db/**', '../integrations/**', '../api/**', '../platform/**', '../../activities/**', '../../db/**', '../../integrations/**', '../../api/**', '../../platform/**'], allowTypeImports: true, message: 'Workflows may import activity/db types only.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Workflows cannot read the environment.' }, { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }],
    },
  },
  {
    // Sandboxes are development emulators: production code never reaches them (only scripts,
    // the demo seed, tests and benches do).
    files: ['api/**/*.ts', 'worker/**/*.ts', 'activities/**/*.ts', 'integrations/**/*.ts', 'platform/**/*.ts', 'db/*.ts', 'db/repositories/**/*.ts', 'db/migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sandboxes/**'], message: 'Production code must not import a sandbox.' }] }],
    },
  },
  {
    // contracts/ is the workflow contract shared by api, activities, workflows and tests: it may
    // build on domain/ and Temporal's define* helpers, nothing else (it is bundled into workflows).
    files: ['contracts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[^/]+$|\\.\\./domain/|@temporalio/(workflow|common)$)',
              message: 'contracts/ imports only domain/ and the define* helpers of @temporalio/workflow and @temporalio/common.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['api/**/*.ts', 'activities/**/*.ts', 'workflows/**/*.ts', 'worker/**/*.ts', 'platform/**/*.ts', 'integrations/**/*.ts', 'domain/**/*.ts', 'sandboxes/**/*.ts', 'contracts/**/*.ts', 'scripts/**/*.ts'],
    plugins: { trellis: { rules: { 'sql-only-in-db': sqlOnlyInDb } } },
    rules: { 'trellis/sql-only-in-db': 'error' },
  },
  {
    // domain/ is pure: rules and types only.
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', ...nodeBuiltins], message: 'domain/ has no I/O.' },
            { group: ['sequelize', 'ioredis', 'axios', 'express', '@temporalio/*', '../db/**', '../api/**', '../activities/**', '../integrations/**', '../platform/**'], message: 'domain/ knows nothing of the rest.' },
          ],
        },
      ],
    },
  },
);
