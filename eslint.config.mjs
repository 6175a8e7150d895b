import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layersPlugin, packageBans } from './eslint-layers.mjs';

/**
 * One `no-restricted-imports` block per layer, from the lists the layer rule checks require() with.
 * A banned name refuses its subpaths too (`fs/promises`), as the layer rule does.
 */
const packageBanBlocks = packageBans.map(({ folders, names, patterns, message }) => {
  const subpaths = names.map((name) => `${name}/*`);
  return {
    files: folders.map((folder) => `${folder}/**/*.{ts,tsx}`),
    rules: {
      'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message })), patterns: [{ group: [...patterns, ...subpaths], message }] }],
    },
  };
});

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
  ...packageBanBlocks,
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
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
