// `npm start` as scripts see it: every socket it listens on is on loopback, the API port opens only
// when the API works, /health says whether the dependencies answer, the data stays the owner's, and
// a dead DynamoDB Local ends the program once and loudly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { dynamoDbLocalDir, launcherDir } from '../../local/dynamodb-local.ts';
import { healthCheck, healthRoute } from '../../local/health.ts';
import { repoRoot } from '../../local/stack.ts';

const stack = inject('localStack');

/** The process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  }
  return tree;
}

// /proc/net/tcp{,6} print addresses as 32-bit words in host (little-endian) byte order.
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

/** Every listening TCP socket the process tree holds, with its address and port. */
function listeningSockets(root: number): { pid: number; address: string; port: number }[] {
  const owner = new Map<string, number>();
  for (const pid of processTree(root)) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' }))?.[1];
        if (inode) owner.set(inode, pid);
      }
    } catch {
      // a descriptor or process went away meanwhile
    }
  }
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((table) =>
    readFileSync(table, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && owner.has(fields[9] ?? ''))
      .map((fields) => {
        const [address = '', port = '0'] = (fields[1] ?? '').split(':');
        return { pid: owner.get(fields[9] ?? '') ?? 0, address: decodeAddress(address), port: parseInt(port, 16) };
      }),
  );
}

const portOf = (url: string) => Number(new URL(url).port);

// Three consecutive free ports below the ephemeral range (32768+ on Linux), where ports picked with
// PORT=0 by the parallel test files and other programs cannot take them between probe and use.
async function freeBasePort(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const probes = await Promise.all([0, 1, 2].map((offset) => canListen(base + offset)));
    if (probes.every(Boolean)) return base;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start on this machine', () => {
  it('listens on 127.0.0.1 only: the API, the local AWS endpoint, the DynamoDB gate and DynamoDB Local (Java) behind it', () => {
    const sockets = listeningSockets(stack.pid);
    const java = sockets.filter((s) => readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar'));
    expect(java).toHaveLength(1);
    expect(sockets.map((s) => s.port).sort()).toEqual(
      [portOf(stack.apiUrl), portOf(stack.awsEndpoint), portOf(stack.dynamoDbEndpoint), java[0]!.port].sort(),
    );
    for (const socket of sockets) expect(socket.address, `port ${socket.port}`).toBe('127.0.0.1');
  });

  it('runs DynamoDB Local through the committed launcher class, compiled from its committed source', () => {
    // Committed compiled so that a JRE is enough for npm start; rebuild with the command in the .java file.
    const out = mkdtempSync(join(tmpdir(), 'regcred-javac-'));
    const jar = join(dynamoDbLocalDir(), 'DynamoDBLocal.jar');
    execFileSync('javac', ['--release', '17', '-cp', jar, '-d', out, join(launcherDir, 'LoopbackDynamoDbLocal.java')]);
    const name = 'LoopbackDynamoDbLocal.class';
    const compiled = readFileSync(join(out, name));
    rmSync(out, { recursive: true, force: true });
    expect(compiled.equals(readFileSync(join(launcherDir, name)))).toBe(true);
  });

  it(`answers ${healthRoute.method} ${healthRoute.path} with 200 {"status":"ok"}, other methods with 405`, async () => {
    const ok = await fetch(`${stack.apiUrl}${healthRoute.path}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ok.json()).toEqual({ status: 'ok' });
    const wrong = await fetch(`${stack.apiUrl}${healthRoute.path}`, { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });

  it('reports 503 naming the dependency that does not answer', async () => {
    const dead = `http://127.0.0.1:${await freeBasePort()}`;
    const targets = { region: stack.region, tableName: stack.tableName, keyId: stack.keyId };
    expect(await healthCheck({ ...targets, dynamoDbEndpoint: stack.dynamoDbEndpoint, kmsEndpoint: dead })()).toEqual({
      statusCode: 503,
      body: { status: 'unavailable', dynamodb: 'ok', kms: 'unavailable' },
    });
    expect(await healthCheck({ ...targets, dynamoDbEndpoint: dead, kmsEndpoint: stack.kmsEndpoint })()).toEqual({
      statusCode: 503,
      body: { status: 'unavailable', dynamodb: 'unavailable', kms: 'ok' },
    });
  });

  it('opens the API port only when the API works, makes existing data the owner\'s, and exits 1 once when Java dies', async () => {
    const home = mkdtempSync(join(tmpdir(), 'regcred-ready-'));
    mkdirSync(join(home, 'dynamodb'));
    writeFileSync(join(home, 'dynamodb', 'shared-local-instance.db'), '');
    writeFileSync(join(home, 'kms-keys.json'), JSON.stringify({ keys: {}, aliases: {} }));
    for (const [path, mode] of [[home, 0o755], [join(home, 'dynamodb'), 0o777], [join(home, 'dynamodb', 'shared-local-instance.db'), 0o666], [join(home, 'kms-keys.json'), 0o644]] as const) {
      chmodSync(path, mode);
    }
    const port = await freeBasePort();
    const child: ChildProcess = spawn(process.execPath, ['local/start.ts'], { cwd: repoRoot, env: { ...process.env, REGCRED_HOME: home, PORT: String(port) } });
    let stderr = '';
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.stdout?.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 90_000;
      while (!(await canConnect(port))) {
        expect(child.exitCode, stderr).toBeNull();
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // The moment the port accepts, the API and its dependencies work.
      const [health, list] = await Promise.all([
        fetch(`http://127.0.0.1:${port}${healthRoute.path}`),
        fetch(`http://127.0.0.1:${port}/projects/ready/docker-credentials`),
      ]);
      expect(health.status).toBe(200);
      expect(list.status).toBe(200);

      for (const dir of [home, join(home, 'dynamodb')]) {
        expect(statSync(dir).mode & 0o777, dir).toBe(0o700);
        for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile())) {
          expect(statSync(join(dir, entry.name)).mode & 0o777, entry.name).toBe(0o600);
        }
      }

      const java = listeningSockets(child.pid ?? 0).find((s) => readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar'));
      expect(java).toBeDefined();
      process.kill(java?.pid ?? 0, 'SIGKILL');
      expect(await exited).toBe(1);
      const reports = stderr.split('\n').filter((line) => line.includes('DynamoDB Local'));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toContain('stopped unexpectedly (killed by SIGKILL)');
      expect(await canConnect(port)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  }, 120_000);
});

