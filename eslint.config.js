// typescript-eslint with the type-aware rules that catch real bugs in this code base (promises left
// floating, promises where a value is expected), and the workflow sandbox's own rule: workflow code may
// import activities and Node built-ins as types only (a value import bundles them into the sandbox).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'crypto',
  'http',
  'https',
  'net',
  'child_process',
  'os',
  'url',
  'util',
  'stream',
];

export default tseslint.config(
  { ignores: ['node_modules/', '.tools/', '.aof/', 'schemas/', 'test/replay/histories/', 'bin/', '**/*.cjs'] },
  js.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/**', ...nodeBuiltins],
              allowTypeImports: true,
              message: 'workflow code imports activities and Node built-ins as types only (import type)',
            },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@octokit/*', 'koa'],
              message: 'not available in the workflow sandbox',
            },
          ],
        },
      ],
    },
  },
);
