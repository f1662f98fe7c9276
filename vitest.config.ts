import { defineConfig } from 'vitest/config';

// Tests share two cores with the tfjs workers they start, so keep the pool small and timeouts generous.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
