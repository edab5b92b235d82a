// `npm start` as a user runs it: refuses a second copy, keeps data across restarts, and Ctrl-C
// leaves no Java process behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../local/stack.ts';
import { checkedFetch } from '../support/openapi-check.ts';

interface Started {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  output(): string;
}

function npmStart(home: string): Promise<Started> {
  // detached: its own process group, so SIGINT to the group is what a terminal's Ctrl-C sends.
  const child = spawn('npm', ['start'], { cwd: repoRoot, env: { ...process.env, REGCRED_HOME: home, PORT: '0' }, detached: true });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const url = /API\s+(http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        clearInterval(timer);
        resolve({ child, apiUrl: url, output: () => output });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`npm start exited: ${output}`));
      }
    }, 100);
  });
}

function javaProcessesFor(home: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('DynamoDBLocal.jar') && cmdline.includes(home);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function ctrlC(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  process.kill(-(started.child.pid ?? 0), 'SIGINT');
  await exited;
}

describe('npm start', () => {
  it('refuses to start twice on the same data directory', async () => {
    const { home, apiUrl } = inject('localStack');
    const second = spawn(process.execPath, ['local/start.ts'], { cwd: repoRoot, env: { ...process.env, REGCRED_HOME: home, PORT: '0' } });
    let stderr = '';
    second.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => second.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`regcred is already running at ${apiUrl}`);
  });

  it('keeps data across restarts and stops Java on Ctrl-C', async () => {
    const home = mkdtempSync(join(tmpdir(), 'regcred-life-'));
    const first = await npmStart(home);
    expect(first.output()).toContain('curl -s -X POST');
    expect(javaProcessesFor(home)).toHaveLength(1);
    const created = await checkedFetch(`${first.apiUrl}/projects/life/docker-credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: 'quay.io', password: 'restart-password' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await ctrlC(first);
    expect(javaProcessesFor(home)).toEqual([]);

    const second = await npmStart(home);
    const listed = (await (await checkedFetch(`${second.apiUrl}/projects/life/docker-credentials`)).json()) as { items: { id: string }[] };
    expect(listed.items.map((item) => item.id)).toEqual([id]);
    await ctrlC(second);
    expect(javaProcessesFor(home)).toEqual([]);
    expect(second.output()).not.toContain('restart-password');
  }, 90_000);
});
