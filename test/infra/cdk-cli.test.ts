// `npm run synth` as an operator runs it, with every HTTP(S) request pointed at a loopback proxy
// that records where each one was headed and refuses it: with cdk.json's settings nothing is asked
// for, and the CLI prints no feature-flag warning. A fresh CDK_HOME keeps the CLI's caches of
// earlier notice and connectivity checks from hiding a request.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../local/stack.ts';
import { startRefusingProxy, synthesise, synthRecordFile, type SynthRecord } from '../../local/template/synth.ts';

const scratch = mkdtempSync(join(tmpdir(), 'regcred-cdk-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `npm run <script> -- <args>` behind a refusing proxy; returns its output and the hosts it tried. */
async function behindProxy(name: string, script: 'synth' | 'cdk', args: string[] = []) {
  const { proxy, url, requested } = await startRefusingProxy();
  const proxyEnv = { HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url, NO_PROXY: '', no_proxy: '' };
  const output = script === 'synth' ? ['--output', join(scratch, name, 'cdk.out')] : [];
  const child = spawn('npm', ['run', script, '--', ...output, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...proxyEnv, CDK_HOME: join(scratch, name, 'home') },
  });
  let printed = '';
  child.stdout.on('data', (chunk) => (printed += chunk));
  child.stderr.on('data', (chunk) => (printed += chunk));
  const [code] = await once(child, 'exit');
  proxy.close();
  return { code, output: printed, requested };
}

describe('npm run synth', () => {
  it('makes no network request and prints no feature-flag warning (control: with --notices it does)', { timeout: 300_000 }, async () => {
    // npm start's synthesis is `npm run synth`'s command behind a refusing proxy, kept with the assembly
    // (local/template/synth.ts): read that record rather than bundling every function once more.
    const { dir } = await synthesise();
    const { output, requested } = JSON.parse(readFileSync(join(dir, synthRecordFile), 'utf8')) as SynthRecord;
    expect(requested).toEqual([]);
    expect(output).not.toMatch(/feature flags?.*not configured/i);
    // Quiet by default: no bundling progress, no esbuild file list, no CloudFormation validation warning.
    expect(output).not.toMatch(/Bundling asset|⚡ Done|index\.mjs|WARNING/);
    // The same synth with notices switched back on, reading that assembly (no second bundling).
    const control = await behindProxy('control', 'synth', ['--app', dir, '--notices']);
    expect(control.code, control.output).toBe(0);
    expect(control.requested).toContain('cli.cdk.dev-tools.aws.dev:443');
  });

  // The telemetry upload is sent in the background and not reliably before exit, so a proxy
  // cannot serve as its control; the CLI's own status command reads the same setting.
  it('CLI telemetry is off, by the CLI\'s own account (and on when the setting is flipped)', { timeout: 60_000 }, async () => {
    const status = async (args: string[]) => (await behindProxy('status', 'cdk', ['cli-telemetry', '--status', ...args])).output;
    expect(await status([])).toMatch(/CLI Telemetry is disabled/);
    expect(await status(['--context', 'cli-telemetry=true'])).toMatch(/CLI Telemetry is enabled/);
  });
});

describe('cdk.json', () => {
  const context = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')).context;
  const recommended = JSON.parse(readFileSync(join(repoRoot, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8'));

  it('sets every feature flag the installed aws-cdk-lib recommends, to the recommended value', () => {
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    const differing = Object.entries(recommended).filter(([flag, value]) => JSON.stringify(context[flag]) !== JSON.stringify(value));
    expect(differing).toEqual([]);
  });
});
