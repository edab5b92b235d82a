// The README's generated tables say what their sources say: the capability table is the route
// table's, and the Performance section's figures are bench/results.json's, looked up by key
// (local/readme.ts); outside that table the section quotes no figure at all.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeList } from '../../functions/contract/routes.ts';
import { marker, readmeFile, regenerate } from '../../local/readme.ts';

const readme = readFileSync(readmeFile, 'utf8');
const block = (name: string) => {
  const { start, end } = marker(name);
  return readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end)).trim();
};

describe('the README', () => {
  it('holds what npm run readme generates (run it after changing a route or a bench run)', () => {
    expect(readme === regenerate(readme), 'README.md differs from `npm run readme`').toBe(true);
  });

  it('lists every route once in the capability table, under its capability', () => {
    const rows = block('capabilities').split('\n').slice(2);
    for (const route of routeList) {
      const holding = rows.filter((row) => row.includes(`\`${route.method} ${route.path}\``));
      expect(holding, route.name).toHaveLength(1);
      expect(holding[0]!.startsWith(`| \`${route.capability}\``), route.name).toBe(true);
    }
  });

  it('quotes no figure in the Performance section outside the table generated from bench/results.json', () => {
    const section = readme.slice(readme.indexOf('\n## Performance\n'), readme.indexOf('\n## ', readme.indexOf('\n## Performance\n') + 5));
    const { start, end } = marker('performance');
    const prose = section.slice(0, section.indexOf(start)) + section.slice(section.indexOf(end));
    const figures = [...prose.matchAll(/\b\d+(?:[.,]\d+)*\s*(?:x\b|×|ms\b|µs\b|KB\b|%|s\b)|\b\d+\.\d+\b/g)].map((m) => m[0]);
    expect(figures).toEqual([]);
    expect(block('performance')).toContain('| Warm p50, handler / bare SDK handler |');
  });
});
