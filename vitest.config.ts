import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure functions and loopback peers, no Java), `infra` (the CDK app
// synthesised in-process) and `stack` (everything else, against the `npm start` stack its global
// setup starts). A project's global setup runs only when some of its files are selected, so
// `npx vitest run --project unit` never starts Java. All share the run-wide secrets audit
// (audit-setup.ts) and the per-file one (secret-audit.ts).
const unitElsewhere = [
  'test/cli/settings.test.ts',
  'test/cli/transport.test.ts',
  'test/cli/sigv4.test.ts',
  'test/adversarial/ssrf.test.ts',
  'test/consumers/registry-harness.test.ts',
];

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
          // Plus the files elsewhere that need no stack: the CLI's own settings, transport and signer,
          // the verifier's address guard with a stubbed resolver, the registry harness.
          include: ['test/unit/**/*.test.ts', ...unitElsewhere],
          // One module graph for every unit file: they share no state, and importing zod, the SDK and
          // the CDK once instead of per file is most of the project's time.
          isolate: false,
          globalSetup: ['test/support/audit-setup.ts'],
        },
      },
      {
        test: {
          // The CDK app synthesised in-process (and the cdk CLI once): no stack, but seconds per file.
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          globalSetup: ['test/support/audit-setup.ts'],
        },
      },
      {
        test: {
          name: 'stack',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/infra/**', ...unitElsewhere],
          globalSetup: ['test/support/audit-setup.ts', 'test/support/global-setup.ts'],
        },
      },
    ],
  },
});
