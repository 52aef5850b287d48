import { defineConfig } from 'vitest/config';

// Three projects so that `npm run test:unit` never needs the service stack or the reference venv.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 30_000 } },
      {
        test: {
          name: 'spec',
          include: ['spec-tests/**/*.spec.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['src/**/*.e2e.ts', 'spec-tests/**/*.e2e.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
