// Which code may know what, read from the import graph of the sources (every `import`, `export ...
// from` and `import()`, type-only ones included, which bundles erase): the core knows no storage
// layout and no AWS; the two clients share code only through common/, never one through the other.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/bins.ts';

const specifiers = /(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g;

/** A file's imports as repository paths; packages as `pkg:<name>`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return [...text.matchAll(specifiers)].map(([, spec]) => (spec!.startsWith('.') ? relative(repoRoot, join(repoRoot, dirname(file), spec!)) : `pkg:${spec}`));
}

/** For each .ts file of `dir`: every file it reaches, itself included. */
function reachedFrom(dir: string): Map<string, string[]> {
  const entries = readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
  return new Map(
    entries.map((entry) => {
      const seen = new Set([entry]);
      const queue = [entry];
      while (queue.length) for (const next of importsOf(queue.pop()!)) if (!seen.has(next)) (seen.add(next), next.startsWith('pkg:') || queue.push(next));
      return [entry, [...seen]];
    }),
  );
}

/** The entries of `dir` that reach a file `forbidden` matches, each with the first such file. */
function offenders(dir: string, forbidden: (path: string) => boolean): Record<string, string> {
  const reached = reachedFrom(dir);
  expect(reached.size).toBeGreaterThan(5);
  return Object.fromEntries([...reached].flatMap(([entry, files]) => files.filter(forbidden).slice(0, 1).map((file) => [entry, file])));
}

describe('rooms', () => {
  it('functions/core reaches neither the table layout, the adapters, the handlers nor any AWS package', () => {
    const storageOrAws = (path: string) =>
      path === 'functions/contract/table.ts' || path.startsWith('functions/adapters/') || path.startsWith('functions/http/') || /^pkg:@aws-sdk\//.test(path);
    expect(offenders('functions/core', storageOrAws)).toEqual({});
  });

  it('the stream adapter is where the table layout is read (the rule above is not vacuous)', () => {
    const reached = reachedFrom('functions/adapters');
    expect(reached.get('functions/adapters/stream-records.ts')).toContain('functions/contract/table.ts');
  });

  it('console/ reaches nothing in cli/, and cli/ nothing in console/: what both use is in common/', () => {
    expect(offenders('console', (path) => path.startsWith('cli/'))).toEqual({});
    expect(offenders('cli', (path) => path.startsWith('console/'))).toEqual({});
    const consoleFiles = new Set([...(reachedFrom('console')).values()].flat());
    const cliFiles = new Set([...(reachedFrom('cli')).values()].flat());
    expect([...consoleFiles].filter((f) => f.startsWith('common/') && cliFiles.has(f)).sort()).toEqual(['common/go-json.ts', 'common/outgoing-request.ts', 'common/pull-secret-yaml.ts']);
  });
});
