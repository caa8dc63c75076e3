// Lint: what the type checker cannot see. Workflow code (and the contract it imports) must stay
// deterministic and free of I/O, so it may not import Node built-ins, drivers, the worker or
// client SDK packages, or any module outside the contract and the workflows themselves.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const pureCodeImports = {
  paths: [
    'mysql2',
    'mysql2/promise',
    '@vlasky/zongji',
    '@temporalio/worker',
    '@temporalio/activity',
    '@temporalio/client',
  ].map((name) => ({ name, message: 'workflow code does no I/O: use an activity' })),
  patterns: [
    {
      group: ['node:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)],
      message: 'workflow code may not use Node built-ins',
    },
    {
      group: ['**/activities/**', '**/worker/**', '**/client/**', '**/dev/**'],
      message: 'workflow code imports only the contract and other workflow modules',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', '.cache/', 'dist/'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'contract/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', pureCodeImports] },
  },
);
