// The import-boundary rule: each workspace package may import only the packages its row in
// docs/architecture.md §2 allows. An arrow pointing the wrong way fails `npm test` and CI.
import tsParser from '@typescript-eslint/parser';

const allowed = {
  contracts: [],
  core: ['contracts'],
  ml: [],
  adapters: ['core', 'contracts'],
  runtime: ['contracts', 'core', 'ml', 'adapters'],
  server: ['contracts', 'core', 'ml', 'adapters', 'runtime'],
  sdk: ['contracts'],
  cli: ['sdk', 'server', 'contracts'],
  studio: ['sdk', 'contracts'],
  testkit: ['core', 'contracts'],
  e2e: ['contracts', 'core', 'ml', 'adapters', 'runtime', 'server', 'sdk', 'cli', 'studio', 'testkit'],
};
const all = Object.keys(allowed);

// Package indexes a package's code must not import (it imports their modules by path instead).
const indexes = {
  runtime: [{ name: '@loam/adapters', message: 'runtime imports adapters by module path (e.g. @loam/adapters/artifacts/registry): the index loads every backend, and a job runner or model server would start with DuckDB, the database clients and the AWS SDK (docs/architecture.md §2).' }],
};

function boundary(pkg, extra = [], paths = []) {
  const ok = new Set([...allowed[pkg], ...extra, pkg]);
  const forbidden = all.filter((p) => !ok.has(p));
  return {
    'no-restricted-imports': ['error', {
      paths,
      patterns: [
        ...(forbidden.length ? [{
          group: forbidden.flatMap((p) => [`@loam/${p}`, `@loam/${p}/*`]),
          message: `packages/${pkg} may import only: ${[...ok].filter((p) => p !== pkg).join(', ') || 'nothing of ours'} (docs/architecture.md §2).`,
        }] : []),
        { group: ['**/packages/*/src/**', '../../*/src/**', '../../../*/src/**'], message: 'Import another package by its name (@loam/x), never by a relative path into its source.' },
      ],
    }],
  };
}

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', 'packages/studio/vite.config.*'] },
  ...all.map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.{ts,tsx}`],
    languageOptions: { parser: tsParser, ecmaVersion: 2023, sourceType: 'module' },
    rules: boundary(pkg, [], indexes[pkg] ?? []),
  })),
  // Tests may also use the conformance suites, fakes and fixtures of testkit.
  ...all.map((pkg) => ({
    files: [`packages/${pkg}/src/**/*.test.ts`, `packages/${pkg}/src/**/*.test-support.ts`],
    rules: boundary(pkg, ['testkit']),
  })),
];
