// The failure log's frames name the source file and line although no function runs with
// --enable-source-maps: the bundle's map is read when a failure is logged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { readableFrames } from '../../functions/http/stack-frames.ts';
import { esbuildBundling } from '../../infra/constructs/api-function.ts';

const dir = mkdtempSync(join(tmpdir(), 'regcred-stack-frames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = ['export function fail(): never {', '  const reason = `no ${"table"}`;', '  throw new Error(reason);', '}', ''].join('\n');
const throwingLine = source.split('\n').findIndex((line) => line.includes('throw')) + 1;

/** Bundles the source as the functions are bundled (minified ESM, a map without sources) and returns the error it throws. */
async function errorFrom(name: string, sourcemap: boolean): Promise<Error> {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, source);
  const outfile = join(dir, name, 'index.js');
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: esbuildBundling.format, minify: esbuildBundling.minify, sourcemap, sourcesContent: esbuildBundling.sourcesContent, logLevel: 'silent' });
  // A fresh Node without source-map support, as in Lambda (vitest's own process maps stacks itself).
  writeFileSync(join(dir, name, 'package.json'), '{"type":"commonjs"}');
  const script = `const { fail } = require(${JSON.stringify(outfile)}); try { fail() } catch (e) { process.stdout.write(e.stack) }`;
  const { NODE_OPTIONS: _, ...env } = process.env;
  const stack = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  return Object.assign(new Error('no table'), { stack });
}

describe('readableFrames', () => {
  it('maps a bundle position to the source file and line through the map beside the bundle', async () => {
    const error = await errorFrom('mapped', true);
    expect(error.stack).toMatch(/mapped\/index\.js:1:\d+/);
    const [frame] = readableFrames(error, 1);
    expect(frame).toMatch(new RegExp(`^at \\S+ \\(\\S*mapped\\.ts:${throwingLine}:\\d+\\)$`));
    expect(frame).not.toContain('index.js');
  });

  it('keeps the frame as it is when the bundle has no map', async () => {
    const error = await errorFrom('unmapped', false);
    const [frame] = readableFrames(error, 1);
    expect(frame).toBe(error.stack!.split('\n')[1]!.trim());
    expect(frame).toContain('unmapped/index.js');
  });

  it('returns at most the frames asked for, trimmed', async () => {
    const frames = readableFrames(await errorFrom('count', true), 2);
    expect(frames).toHaveLength(2);
    for (const frame of frames) expect(frame).toMatch(/^at /);
    expect(readFileSync(join(dir, 'count', 'index.js.map'), 'utf8')).not.toContain('sourcesContent');
  });
});
