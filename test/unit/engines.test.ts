// What the README says about Node versions matches package.json and the lock file: `npm ci` on the
// oldest Node the README names for it warns about exactly the packages the README lists.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/stack.ts';

const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean };
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const pkg = JSON.parse(read('package.json'));
const lock = JSON.parse(read('package-lock.json'));
const readme = read('README.md');
const installNode = '20.19.0';

describe('Node versions', () => {
  it('engines says Node >= 20 and the README says so', () => {
    expect(pkg.engines).toEqual({ node: '>=20' });
    expect(readme).toContain('`engines` (Node ≥ 20)');
  });

  it('the pinned node devDependency is Node 24, the Lambda runtime', () => {
    expect(pkg.devDependencies.node).toMatch(/^\^24\./);
    expect(lock.packages['node_modules/node'].version).toMatch(/^24\./);
  });

  it(`the README names every package npm ci warns about on Node ${installNode}`, () => {
    expect(readme).toContain('`npm ci` runs on Node.js 20.19 or later');
    // Optional packages are platform bindings: skipped where they do not fit, never a warning.
    const warned = Object.entries(lock.packages as Record<string, { engines?: { node?: string }; optional?: boolean }>)
      .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.optional && entry.engines?.node && !semver.satisfies(installNode, entry.engines.node))
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length).replace(/^(@middy)\/.*/, '$1/*'));
    expect(warned.length).toBeGreaterThan(0);
    const line = /EBADENGINE[\s\S]*?\(([^)]*)\)/.exec(readme)?.[1] ?? '';
    expect(line.split(/,\s*/).sort()).toEqual([...new Set(warned)].sort());
  });
});
