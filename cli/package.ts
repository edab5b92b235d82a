// Stages the package users install, in .cache/package/: the bundled bins, a package.json with only
// what an installed package needs (no scripts, no devDependencies: `npm install -g` has nothing to
// run or to warn about), README.md with its repository links made absolute (the package holds none
// of those files), LICENSE and CHANGELOG.md. `npm run package` packs it into ./regcred-<version>.tgz;
// `npm publish .cache/package` publishes it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBins } from './build.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
export const stagedPackageDir = join(repoRoot, '.cache', 'package');

/** The fields of package.json an installed package keeps. */
const publishedFields = ['name', 'version', 'description', 'keywords', 'homepage', 'bugs', 'repository', 'license', 'type', 'bin', 'files', 'engines'] as const;

interface Manifest {
  readonly version: string;
  readonly homepage: string;
  readonly repository: { readonly url: string };
  readonly [field: string]: unknown;
}

export function publishedManifest(manifest: Manifest): Record<string, unknown> {
  return Object.fromEntries(publishedFields.filter((field) => manifest[field] !== undefined).map((field) => [field, manifest[field]]));
}

/** The repository's web address for a file: `git+https://github.com/o/r.git` -> `https://github.com/o/r/blob/HEAD/<path>` (the default branch). */
export function repositoryFileUrl(manifest: Manifest, path: string): string {
  const web = manifest.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  return `${web}/blob/HEAD/${path.replace(/^\.\//, '')}`;
}

/** README with every relative link (to a file of the repository, not a heading) pointing into the repository at this version. */
export function publishedReadme(readme: string, manifest: Manifest): string {
  // Code (fenced blocks, inline spans) is kept as it is: a `[...](...)` there is not a link.
  return readme.replace(/(```[\s\S]*?```|`[^`\n]*`)|\]\((?!https?:|#|mailto:)([^)\s]+)\)/g, (match, code: string | undefined, path: string) =>
    code ?? `](${repositoryFileUrl(manifest, path)})`,
  );
}

export async function stagePackage(dir = stagedPackageDir): Promise<string> {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await buildBins(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
  writeFileSync(join(dir, 'README.md'), publishedReadme(readFileSync(join(repoRoot, 'README.md'), 'utf8'), manifest));
  for (const file of ['LICENSE', 'CHANGELOG.md']) copyFileSync(join(repoRoot, file), join(dir, file));
  return dir;
}

if (import.meta.main && process.argv.includes('--refuse')) {
  // The checkout's package.json is the workspace's (scripts, devDependencies): never packed as it is.
  process.stderr.write('regcred is packed from a staged copy: `npm run package` writes the tgz; `node cli/package.ts --stage-only && npm publish .cache/package` publishes.\n');
  process.exit(1);
} else if (import.meta.main) {
  const dir = await stagePackage();
  // stderr: `npm pack --json` owns stdout.
  process.stderr.write(`staged ${dir}\n`);
  if (!process.argv.includes('--stage-only')) execFileSync('npm', ['pack', dir, '--pack-destination', repoRoot, ...process.argv.slice(2)], { stdio: 'inherit' });
}
