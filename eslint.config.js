import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // examples/ are separate projects with their own dependencies; the host-app test type-checks them.
    ignores: [
      'dist/',
      '.build/',
      'coverage/',
      'data/',
      'demo-data/',
      'node_modules/',
      'test-artifacts/',
      'examples/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // The admin page's script runs in the browser.
    files: ['src/admin/page/static/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
