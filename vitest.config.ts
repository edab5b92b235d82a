import { defineConfig } from 'vitest/config';

// Two projects: `unit` (test/unit, pure functions and loopback peers, no Java, about a second) and `stack` (everything
// else, against the `npm start` stack its global setup starts). A project's global setup runs only
// when some of its files are selected, so `npx vitest run test/unit/...` never starts Java. Both
// share the run-wide secrets audit (audit-setup.ts) and the per-file one (secret-audit.ts).
export default defineConfig({
  test: {
    setupFiles: ['test/support/secret-audit.ts'],
    // Vitest's default is one worker fewer than the cores: one file at a time on 2 cores, while most
    // stack tests wait on npm start, Java, a registry or a browser. Three overlap that waiting.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 300_000,
    teardownTimeout: 30_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // One module graph for every unit file: they share no state, and importing zod, the SDK and
          // the CDK once instead of per file is most of the project's time.
          isolate: false,
          globalSetup: ['test/support/audit-setup.ts'],
        },
      },
      {
        test: {
          name: 'stack',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          globalSetup: ['test/support/audit-setup.ts', 'test/support/global-setup.ts'],
        },
      },
    ],
  },
});
