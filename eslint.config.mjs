import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint-layers.mjs';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'net', 'stream', 'url', 'util', 'worker_threads'];
const nativePackages = ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'ws'];

const restrict = (names, patterns, message) => [
  'error',
  {
    paths: names.map((name) => ({ name, message })),
    ...(patterns.length > 0 && { patterns: [{ group: patterns, message }] }),
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-output/**', 'bench-output/**', 'tests/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { segbench: layersPlugin },
    rules: {
      'segbench/layers': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron', 'react', ...nodeBuiltins, ...nativePackages],
        ['node:*', '@tensorflow/*', 'react-dom', 'react-dom/*'],
        'src-shared is pure TypeScript for every process: no Node, Electron, React or native packages (zod is fine).',
      ),
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': restrict(
        ['electron', ...nodeBuiltins, ...nativePackages],
        ['node:*', '@tensorflow/tfjs-node*'],
        'The renderer runs in a browser sandbox: talk to main through src-renderer/api, never Node or Electron.',
      ),
    },
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict(
        ['electron', 'better-sqlite3', 'ws'],
        [],
        'The engine is plain Node forked by main: no Electron, no database (main is its only writer), no transports.',
      ),
    },
  },
  {
    // Stored JSON is parsed through its schema (src-main/db/stored.ts), never cast.
    files: ['src-main/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "TSAsExpression[expression.type='CallExpression'][expression.callee.object.name='JSON'][expression.callee.property.name='parse']",
          message: 'Parse stored JSON with its schema (parseStored in src-shared/stored.ts, or schema.parse(JSON.parse(...))), never cast it.',
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.{ts,cjs}', 'tests/**/*.{ts,mjs}', 'bench/**/*.{ts,mjs}', '*.{mjs,mts}', '.ci/**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
