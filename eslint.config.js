// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ENGINE_FILES = ['src/engine/**/*.{ts,tsx,js,mjs,cjs}'];

const engineMessage =
  'src/engine/ is a pure reducer engine: it must not depend on React, zustand, d3, the store or the UI';

export default defineConfig(
  globalIgnores(['dist/**', 'node_modules/**', 'playwright-report/**', 'test-results/**', 'coverage/**']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  // Browser code.
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Tests run in node (vitest, playwright) and jsdom.
  {
    files: ['test/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  // Node-side files: scripts and config files.
  {
    files: ['scripts/**/*.{ts,js,mjs}', '*.config.{ts,js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  // React hooks rules for the UI (and React code around it) and the unit tests.
  // Not for test/e2e: Playwright fixtures call a `use` function that is not React's.
  {
    files: ['src/**/*.{ts,tsx}', 'test/**/*.{ts,tsx}'],
    ignores: [...ENGINE_FILES, 'test/e2e/**'],
    ...reactHooks.configs.flat.recommended,
  },
  // Purity of the engine.
  {
    files: ENGINE_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react', message: `${engineMessage}.` },
            { name: 'react-dom', message: `${engineMessage}.` },
            { name: 'zustand', message: `${engineMessage}.` },
            { name: 'd3', message: `${engineMessage}.` },
          ],
          patterns: [
            {
              group: ['react/*', 'react-dom/*', 'zustand/*', 'd3-*'],
              message: `${engineMessage}.`,
            },
            {
              group: ['**/store', '**/store/**', '**/ui', '**/ui/**'],
              message: `${engineMessage}.`,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'setTimeout', 'setInterval', 'requestAnimationFrame', 'localStorage'].map(
          (name) => ({ name, message: `${engineMessage} (no ${name}: the engine is pure and deterministic).` }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'The engine is deterministic: pass time in through actions.' },
        { object: 'Math', property: 'random', message: 'The engine is deterministic: use a seeded PRNG.' },
      ],
    },
  },
);
