import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Postgres runs share one database: test files must not migrate it concurrently.
    fileParallelism: !process.env.DATABASE_URL,
  },
});
