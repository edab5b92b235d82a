// Bundles the package's bins into dist/: one ESM file per bin, minified, for Node >= 20, with every
// runtime dependency inside, so an installed package needs no node_modules and no build step. The
// SigV4 signer and the AWS credential chain are their own file (dist/sigv4.mjs), imported only when
// an endpoint needs signing, so a bin's usual run loads one small file.
// Run by `prepare`, i.e. by `npm ci` in a checkout (so `npx regcred` works there), by `npm run package`
// (so the package ships fresh bins), and by the tests.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/** bin name -> entry file; package.json's `bin` points each name at `dist/<name>.mjs`. */
export const binEntries = {
  regcred: 'cli/regcred.ts',
  'docker-credential-regcred': 'cli/docker-credential-regcred.ts',
  'regcred-kubelet-credential-provider': 'cli/regcred-kubelet-credential-provider.ts',
} as const;

const sigv4Entry = 'cli/sigv4.ts';
const sigv4File = 'sigv4.mjs';

// Some bundled CommonJS dependencies (the AWS SDK's) call `require`, which ESM has not.
const requireShim = "import { createRequire as __regcredRequire } from 'node:module'; const require = __regcredRequire(import.meta.url);";

const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/**
 * The contract's modules only define schemas and constants, so a bin may drop any it does not use
 * (zod calls at module level look like side effects to esbuild; each unused schema module would
 * otherwise still be built at every start).
 */
const contractDir = join(repoRoot, 'functions', 'contract');
const contractWithoutSideEffects: Plugin = {
  name: 'contract-without-side-effects',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return path.startsWith(contractDir) ? { path, sideEffects: false } : undefined;
    });
  },
};

/** The bins' `import('./sigv4.ts')` becomes a runtime import of the sibling dist/sigv4.mjs. */
const sigv4External: Plugin = {
  name: 'sigv4-external',
  setup(plugin) {
    plugin.onResolve({ filter: /\/sigv4\.ts$/ }, () => ({ path: `./${sigv4File}`, external: true }));
  },
};

/** Writes `<outdir>/<bin>.mjs` for each bin (plus the lazily loaded chunks); returns the files. */
export async function buildBins(outdir = join(repoRoot, 'dist')): Promise<Record<keyof typeof binEntries, string>> {
  rmSync(outdir, { recursive: true, force: true });
  await Promise.all([
    // One build per bin, so each file holds only what that bin uses.
    ...Object.entries(binEntries).map(([name, entry]) =>
      build({ ...common, entryPoints: [join(repoRoot, entry)], outfile: join(outdir, `${name}.mjs`), plugins: [sigv4External, contractWithoutSideEffects] }),
    ),
    build({ ...common, entryPoints: [join(repoRoot, sigv4Entry)], outfile: join(outdir, sigv4File), banner: { js: requireShim } }),
  ]);
  return Object.fromEntries(Object.keys(binEntries).map((name) => [name, join(outdir, `${name}.mjs`)])) as Record<
    keyof typeof binEntries,
    string
  >;
}

if (import.meta.main) {
  const files = await buildBins();
  // stderr: `npm pack --json` owns stdout.
  for (const file of Object.values(files)) process.stderr.write(`built ${file}\n`);
}
