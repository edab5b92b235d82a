// End-to-end: the `regcred` CLI against the run's `npm start` stack, through run() (the bin's own entry) in
// this process, and as the bin in a subprocess for what only a process shows (version, help, exit).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { expandPath, routes } from '../../functions/contract/routes.ts';
import { run } from '../../cli/program.ts';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { signRequest } from '../../cli/sigv4.ts';
import { localCredentials } from '../../local/sigv4-verifier.ts';
import { apiAdd } from '../support/api.ts';
import { cleanEnv, repoRoot } from '../support/bins.ts';
import { runProgram, type Run } from '../support/run.ts';
import { localClients, uniqueProject } from '../support/handlers.ts';
import { freePort, startRegistry, type TestRegistry } from '../support/registry.ts';
import { secretForms, trackSecret } from '../support/secret-audit.ts';

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
// The repository's development bin (re-runs on the project's Node 24 when needed); the packed bins are tested in package.test.ts.
const bin = join(repoRoot, 'cli/bin.mjs');
// The CLI subprocesses reach the API through the proxy that checks each response against the OpenAPI document.
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const { storedPassword } = localClients();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const passwords: string[] = [];
const secret = (label: string) => {
  const password = trackSecret(`cli-${label}-${crypto.randomUUID()}`);
  passwords.push(password);
  return password;
};
const transcripts: string[] = [];
const tempDirs: string[] = [];
let configHome = '';

interface RunOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** Through the bin in a subprocess (with these node flags), for what only a process shows. */
  nodeArgs?: string[];
}

/**
 * Runs the CLI with a clean environment (no REGCRED_* or AWS settings, a private XDG_CONFIG_HOME):
 * in this process through run(), the bin's own entry, one run at a time since the environment is
 * process-wide; or, with `nodeArgs`, as the bin in a subprocess.
 */
async function regcred(args: string[], options: RunOptions = {}): Promise<Run> {
  const env = cleanEnv({ XDG_CONFIG_HOME: configHome, ...options.env });
  let result: Run;
  if (options.nodeArgs) {
    result = await runProgram(process.execPath, [...options.nodeArgs, bin, ...args], { cwd: repoRoot, env, ...(options.stdin !== undefined && { stdin: options.stdin }) });
  } else {
    const queued = inProcess.then(() => runInProcess(args, env, options.stdin ?? ''));
    inProcess = queued.catch(() => undefined);
    result = await queued;
  }
  transcripts.push(result.stdout, result.stderr);
  return result;
}
let inProcess: Promise<unknown> = Promise.resolve();

async function runInProcess(args: string[], env: Record<string, string>, stdin: string): Promise<Run> {
  const saved = { ...process.env };
  const swap = (to: Record<string, string | undefined>) => {
    for (const name of Object.keys(process.env)) if (!(name in to)) delete process.env[name];
    Object.assign(process.env, to);
  };
  let stdout = '';
  let stderr = '';
  swap(env);
  try {
    const code = await run(args, { out: (text) => void (stdout += text), err: (text) => void (stderr += text), readStdin: async () => stdin });
    return { code, stdout, stderr };
  } finally {
    swap(saved);
  }
}

/** Adds many credentials a few at a time, so the burst does not starve other test files. */
async function apiAddMany(project: string, bodies: Record<string, string>[]): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const index = next++;
      ids[index] = await apiAdd(project, bodies[index]!);
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return ids;
}


const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at /m);

beforeEach(() => {
  configHome = mkdtempSync(join(tmpdir(), 'regcred-cli-'));
  tempDirs.push(configHome);
});

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  const everything = transcripts.join('\n');
  for (const form of passwords.flatMap(secretForms)) {
    expect(everything.includes(form), 'a password (plain, base64 or JSON-escaped) appeared in CLI output').toBe(false);
  }
});

describe('regcred docker', () => {
  it('adds with --docker-password (warning) and --docker-password-stdin (trailing newline trimmed), then lists and deletes', async () => {
    const project = uniqueProject('cli');
    const flagPassword = secret('flag');
    const added = await regcred([
      'docker', 'add-credentials', '--project', project, '--endpoint', apiUrl,
      '--docker-server', 'https://index.docker.io/v1/', '--docker-username', 'me',
      '--docker-email', 'me@example.com', '--docker-password', flagPassword,
    ]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(added.stderr.trim().split('\n')).toHaveLength(1);
    expect(added.stderr).toMatch(/^warning: .*--docker-password-stdin/);
    const flagId = added.stdout.trim();
    expect(flagId).toMatch(uuid);

    const stdinPassword = secret('stdin');
    const piped = await regcred(
      ['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'gcr.io',
        '--docker-password-stdin', '-o', 'json'],
      { stdin: `${stdinPassword}\r\n` },
    );
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    const created = JSON.parse(piped.stdout);
    expect(created).toMatchObject({ server: 'gcr.io', registry: 'gcr.io', username: null, email: null });
    expect(created.id).toMatch(uuid);

    expect(await storedPassword(project, flagId)).toBe(flagPassword);
    expect(await storedPassword(project, created.id)).toBe(stdinPassword);

    const listed = await regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')).toEqual([
      'ID                                     SERVER                        USERNAME   EMAIL            STATUS',
      `${flagId}   https://index.docker.io/v1/   me         me@example.com   -`,
      `${created.id}   gcr.io                                                    -`,
      '',
    ]);

    const deleted = await regcred(['docker', 'delete-credentials', flagId, '--project', project, '--endpoint', apiUrl]);
    expect(deleted).toMatchObject({ code: 0, stderr: '' });
    expect(deleted.stdout).toContain(flagId);
    const afterDelete = await regcred(['docker', 'list-credentials', '-o', 'json', '--project', project, '--endpoint', apiUrl]);
    expect(JSON.parse(afterDelete.stdout).map((c: { id: string }) => c.id)).toEqual([created.id]);

    const again = await regcred(['docker', 'delete-credentials', flagId, '--project', project, '--endpoint', apiUrl]);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/not found/i);
    expect(again.stderr).toContain(flagId);
    noStackTrace(again.stderr);
  });

  it('lists every credential across pages, as an aligned table and as JSON', async () => {
    const project = uniqueProject('cli');
    const count = 120;
    const ids = await apiAddMany(
      project,
      Array.from({ length: count }, (_, i) => ({ server: `reg${i}.example.com`, password: secret(`page${i}`) })),
    );

    const [text, json] = await Promise.all([
      regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl]),
      regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl, '--output', 'json']),
    ]);
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);

    const items = JSON.parse(json.stdout) as { id: string; server: string; username: null }[];
    expect(items).toHaveLength(count);
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(ids));

    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(count + 1);
    expect(lines[0]).toMatch(/^ID {37}SERVER {15}USERNAME {3}EMAIL {3}STATUS$/);
    const serverColumn = lines[0]!.indexOf('SERVER');
    const usernameColumn = lines[0]!.indexOf('USERNAME');
    expect(lines.slice(1).map((line) => line.slice(0, 36))).toEqual(items.map((i) => i.id));
    for (const [row, line] of lines.slice(1).entries()) {
      expect(line.slice(serverColumn, usernameColumn).trimEnd()).toBe(items[row]!.server);
      expect(line.endsWith('   -')).toBe(true);
    }
  });

  it('prints just the header, or [], for an empty project', async () => {
    const project = uniqueProject('cli');
    const text = await regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl]);
    expect(text).toMatchObject({ code: 0, stdout: 'ID   SERVER   USERNAME   EMAIL   STATUS\n', stderr: '' });
    const json = await regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl, '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('reports the API’s refusals with exit 1: a second credential for a registry names the existing id, a bad email is named', async () => {
    const project = uniqueProject('cli');
    const existingId = await apiAdd(project, { server: 'docker.io', password: secret('first') });
    const conflict = await regcred(
      ['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'index.docker.io', '--docker-password-stdin'],
      { stdin: secret('second') },
    );
    expect(conflict).toMatchObject({ code: 1, stdout: '' });
    expect(conflict.stderr).toContain(existingId);
    expect(conflict.stderr).toContain(`If an earlier add of it answered 503 "may have been saved", this is that credential`);
    expect(conflict.stderr).toContain(`regcred docker update-credentials ${existingId}`);
    noStackTrace(conflict.stderr);

    const invalid = await regcred(
      ['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'quay.io',
        '--docker-email', 'not-an-email', '--docker-password-stdin'],
      { stdin: secret('invalid') },
    );
    expect(invalid).toMatchObject({ code: 1, stdout: '' });
    expect(invalid.stderr).toMatch(/^error: .*email/);
    noStackTrace(invalid.stderr);
  });
});

describe('usage errors exit 2', () => {
  it('names --project, REGCRED_PROJECT and `regcred config set project` when no project is set', async () => {
    const results = await Promise.all(
      [['docker', 'list-credentials'], ['docker', 'delete-credentials', crypto.randomUUID()]].map((args) => regcred([...args, '--endpoint', apiUrl])),
    );
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      for (const hint of ['--project', 'REGCRED_PROJECT', 'regcred config set project']) expect(result.stderr).toContain(hint);
    }
  });

  it('on a terminal, add-credentials with no password option asks for it without echo, as docker login does; an empty answer is a usage error', async () => {
    const project = uniqueProject('cli');
    const password = secret('typed');
    /** Runs add-credentials on a pseudo-terminal (util-linux `script`); types `answer` once the prompt shows. */
    const onTerminal = (answer: string) =>
      new Promise<{ code: number | null; screen: string }>((resolve) => {
        const args = [process.execPath, bin, 'docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'ghcr.io'];
        const child = spawn('script', ['-qec', args.map((a) => `'${a}'`).join(' '), '/dev/null'], { env: cleanEnv({ XDG_CONFIG_HOME: configHome }) });
        let screen = '';
        child.stdout.on('data', (chunk: Buffer) => {
          const before = screen;
          screen += chunk.toString('utf8');
          if (!before.includes('Password: ') && screen.includes('Password: ')) child.stdin.write(`${answer}\r`);
        });
        child.on('close', (code) => resolve({ code, screen }));
      });
    const typed = await onTerminal(password);
    transcripts.push(typed.screen);
    expect(typed.code, typed.screen).toBe(0);
    expect(typed.screen).not.toContain(password);
    const id = /([0-9a-f-]{36})/.exec(typed.screen)![1]!;
    expect(await storedPassword(project, id)).toBe(password);
    const empty = await onTerminal('');
    expect(empty.code).toBe(2);
    expect(empty.screen).toContain('No password entered.');
  });

  it('names the missing flag: --docker-server, or the two password flags; never echoes a mistyped password option’s value', async () => {
    const project = uniqueProject('cli');
    const noServer = await regcred(['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-password-stdin'], {
      stdin: secret('noserver'),
    });
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('--docker-server');

    const noPassword = await regcred(['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'x.io']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--docker-password-stdin');
    expect(noPassword.stderr).toContain('--docker-password ');

    const emptyStdin = await regcred(
      ['docker', 'add-credentials', '--project', project, '--endpoint', apiUrl, '--docker-server', 'x.io', '--docker-password-stdin'],
      { stdin: '\n' },
    );
    expect(emptyStdin.code).toBe(2);
    expect(emptyStdin.stderr).toMatch(/empty/);

    const typo = secret('typo');
    const mistyped = await regcred(['docker', 'add-credentials', '--project', project, '--docker-server', 'x.io', `--docker-pasword=${typo}`]);
    expect(mistyped.code).toBe(2);
    expect(mistyped.stderr).toContain("unknown option '--docker-pasword=");
    expect(mistyped.stderr).not.toContain(typo);

    const listed = await regcred(['docker', 'list-credentials', '--project', project, '--endpoint', apiUrl, '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('refuses unknown commands, bad --output values and ids that are not UUIDs', async () => {
    const results = await Promise.all([
      regcred(['docker', 'frobnicate']),
      regcred(['docker', 'list-credentials', '--project', 'demo', '-o', 'yaml']),
      regcred(['docker', 'delete-credentials', 'not-an-id', '--project', 'demo']),
      regcred(['docker', 'list-credentials', '--project', 'Not_A_Label']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[1]!.stderr).toContain('yaml');
    expect(results[2]!.stderr).toContain('not-an-id');
    expect(results[3]!.stderr).toContain('Not_A_Label');
  });
});

describe('an endpoint that cannot be reached', () => {
  it('exits 1 with one sentence naming the endpoint and suggesting npm start', async () => {
    const closedPort = await freePort();
    const endpoint = `http://127.0.0.1:${closedPort}`;
    const result = await regcred(['docker', 'list-credentials', '--project', 'demo', '--endpoint', endpoint]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(endpoint);
    expect(result.stderr).toContain('npm start');
  });
});

describe('configuration', () => {
  it('round-trips config set/get/list/unset in $XDG_CONFIG_HOME with mode 0600, and applies flag > env > file', async () => {
    const withCredential = uniqueProject('cli');
    const empty = uniqueProject('cli');
    const id = await apiAdd(withCredential, { server: 'ghcr.io', password: secret('config') });

    expect((await regcred(['config', 'set', 'project', withCredential])).code).toBe(0);
    expect((await regcred(['config', 'set', 'endpoint', `${apiUrl}/`])).code).toBe(0);
    const file = join(configHome, 'regcred', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ project: withCredential, endpoint: apiUrl });

    const [get, list, unsetKey, unknownKey, fromFile, envWins, flagWins] = await Promise.all([
      regcred(['config', 'get', 'project']),
      regcred(['config', 'list']),
      regcred(['config', 'get', 'region']),
      regcred(['config', 'set', 'colour', 'blue']),
      regcred(['docker', 'list-credentials', '-o', 'json']),
      regcred(['docker', 'list-credentials', '-o', 'json'], { env: { REGCRED_PROJECT: empty } }),
      regcred(['docker', 'list-credentials', '-o', 'json', '--project', withCredential], { env: { REGCRED_PROJECT: empty } }),
    ]);
    expect(get).toMatchObject({ code: 0, stdout: `${withCredential}\n` });
    expect(list).toMatchObject({ code: 0, stdout: `project=${withCredential}\nendpoint=${apiUrl}\n` });
    expect(unsetKey.code).toBe(1);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('project, endpoint, region');
    expect(JSON.parse(fromFile.stdout).map((c: { id: string }) => c.id)).toEqual([id]);
    expect(JSON.parse(envWins.stdout)).toEqual([]);
    expect(JSON.parse(flagWins.stdout).map((c: { id: string }) => c.id)).toEqual([id]);

    expect((await regcred(['config', 'unset', 'project'])).code).toBe(0);
    expect(await regcred(['config', 'list'])).toMatchObject({ code: 0, stdout: `endpoint=${apiUrl}\n` });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('an empty setting', () => {
  it('`--project "$TEAM"` with TEAM unset, or REGCRED_PROJECT=, is a usage error (exit 2), never the saved project', async () => {
    expect((await regcred(['config', 'set', 'project', uniqueProject('cli')])).code).toBe(0);
    const [emptyFlag, emptyEnv] = await Promise.all([
      regcred(['docker', 'pull-secret', '--endpoint', apiUrl, '--project', '']),
      regcred(['docker', 'pull-secret', '--endpoint', apiUrl], { env: { REGCRED_PROJECT: '' } }),
    ]);
    expect(emptyFlag).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('--project is empty') });
    expect(emptyEnv).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('REGCRED_PROJECT is set but empty') });
  });
});

describe('SigV4 from the command line', () => {
  // The local stack verifies SigV4 with its own credentials (local/sigv4-verifier.ts).
  const localAws = { AWS_ACCESS_KEY_ID: 'regcredlocal', AWS_SECRET_ACCESS_KEY: 'regcredlocal', AWS_EC2_METADATA_DISABLED: 'true' };
  // Signed requests go to the stack itself: the signature covers Host, which the checking proxy rewrites.
  const signedUrl = inject('localStack').apiUrl;
  const sigv4 = (project: string, region = 'us-east-1') => ['--project', project, '--endpoint', signedUrl, '--sigv4', '--region', region];

  it('signs with --sigv4 --region: the local stack verifies the signature, body included, and accepts it', async () => {
    const project = uniqueProject('cli');
    const password = secret('sigv4');
    const added = await regcred(['docker', 'add-credentials', ...sigv4(project), '--docker-server', 'ghcr.io', '--docker-password-stdin'], {
      stdin: password,
      env: localAws,
    });
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const id = added.stdout.trim();
    expect(id).toMatch(uuid);
    expect(await storedPassword(project, id)).toBe(password);

    const listed = await regcred(['docker', 'list-credentials', '-o', 'json', ...sigv4(project)], { env: localAws });
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(listed.stdout).map((c: { id: string }) => c.id)).toEqual([id]);

    const noRegion = await regcred(['docker', 'list-credentials', '--project', project, '--endpoint', signedUrl, '--sigv4'], { env: localAws });
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain('--region');
  });

  it('exits 1 with API Gateway’s 403 for a wrong secret, an unknown key or another region, and writes nothing', async () => {
    const project = uniqueProject('cli');
    const refusals = await Promise.all(
      [
        { env: { ...localAws, AWS_SECRET_ACCESS_KEY: 'not-the-local-secret' }, region: 'us-east-1' },
        { env: { ...localAws, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }, region: 'us-east-1' },
        { env: localAws, region: 'eu-west-1' },
      ].map(({ env, region }) =>
        regcred(['docker', 'add-credentials', ...sigv4(project, region), '--docker-server', 'ghcr.io', '--docker-password-stdin'], {
          stdin: secret('refused'),
          env,
        }),
      ),
    );
    const messages = [
      'HTTP 403: The request signature we calculated does not match the signature you provided.',
      'HTTP 403: The security token included in the request is invalid.',
      "HTTP 403: Credential should be scoped to a valid region, not 'eu-west-1'.",
    ];
    // None is about grants: each says what to fix instead.
    const hints = [/the signature is wrong: check the secret access key/, /credentials are not valid here/, /signed for another region: set --region/];
    for (const [i, result] of refusals.entries()) {
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain(`error: ${messages[i]}`);
      expect(result.stderr).toMatch(hints[i]!);
      expect(result.stderr).not.toMatch(/grant/);
      noStackTrace(result.stderr);
    }
    const listed = await regcred(['docker', 'list-credentials', '-o', 'json', ...sigv4(project)], { env: localAws });
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });

  it('the npm start stack refuses a request whose body or signed header changed after the CLI’s signer signed it', async () => {
    const project = uniqueProject('cli');
    const url = new URL(`${signedUrl}${expandPath(routes.addCredential.path, { project })}`);
    /** Signs `body`, then sends `tampered.body` (default: the signed one) with `tampered.headers` laid over the signed headers. */
    const send = async (body: string, tampered: { body?: string; headers?: Record<string, string> } = {}) => {
      const request = { method: 'POST', url, headers: { 'content-type': 'application/json' }, body };
      const { host: _host, ...headers } = await signRequest(request, { region: 'us-east-1', credentials: localCredentials });
      const response = await fetch(url, { method: 'POST', headers: { ...headers, ...tampered.headers }, body: tampered.body ?? body });
      return { status: response.status, json: (await response.json()) as { message?: string; id?: string } };
    };
    const body = (server: string) => JSON.stringify({ server, password: secret('tamper') });
    const mismatch = expect.stringMatching(/^The request signature we calculated does not match/);
    expect(await send(body('gcr.io'), { body: body('quay.io') })).toEqual({ status: 403, json: { message: mismatch } });
    const otherType = { headers: { 'content-type': 'application/json; charset=utf-8' } };
    expect(await send(body('gcr.io'), otherType)).toEqual({ status: 403, json: { message: mismatch } });
    const untouched = await send(body('gcr.io'));
    expect(untouched.status).toBe(201);
    const listed = await regcred(['docker', 'list-credentials', '-o', 'json', ...sigv4(project)], { env: localAws });
    expect(JSON.parse(listed.stdout).map((c: { id: string }) => c.id)).toEqual([untouched.json.id]);
  });

  it("signs with the README's cross-account profile: AWS_CONFIG_FILE and AWS_PROFILE, a credential_process that assumes the role with a source identity", async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const profile = readme.match(/```ini\n# \/etc\/regcred\/aws-config\n([\s\S]*?)```/)![1]!;
    const env = Object.fromEntries([...readme.matchAll(/- name: (AWS_CONFIG_FILE|AWS_PROFILE)\n\s+value: (\S+)/g)].map((m) => [m[1]!, m[2]!]));
    expect(env).toEqual({ AWS_CONFIG_FILE: '/etc/regcred/aws-config', AWS_PROFILE: 'regcred' });
    // No STS here: an `aws` on PATH answers assume-role with the local stack's keys, and only when
    // called as the README calls it (a source identity, and not under the profile it serves).
    const dir = mkdtempSync(join(configHome, 'aws-'));
    const fakeAws = join(dir, 'aws');
    writeFileSync(fakeAws, `#!/bin/sh
[ -z "$AWS_PROFILE$AWS_CONFIG_FILE" ] || { echo "called under the profile" >&2; exit 1; }
case "$*" in *"sts assume-role"*"--source-identity $(hostname)"*) ;; *) echo "unexpected: $*" >&2; exit 1;; esac
echo '{"Credentials":{"AccessKeyId":"regcredlocal","SecretAccessKey":"regcredlocal","SessionToken":"","Expiration":"2999-01-01T00:00:00Z"}}'
`, { mode: 0o700 });
    const configFile = join(dir, 'aws-config');
    writeFileSync(configFile, profile);
    const project = uniqueProject('cli');
    const listed = await regcred(['docker', 'list-credentials', '-o', 'json', ...sigv4(project)], {
      env: { AWS_CONFIG_FILE: configFile, AWS_PROFILE: env['AWS_PROFILE']!, PATH: `${dir}:${process.env['PATH']}`, AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(listed).toMatchObject({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('exits 1 without a stack trace when there are no AWS credentials to sign with', async () => {
    const nowhere = join(configHome, 'missing');
    const result = await regcred(['docker', 'list-credentials', '--project', 'demo', '--endpoint', signedUrl, '--sigv4', '--region', 'eu-west-1'], {
      env: { AWS_CONFIG_FILE: nowhere, AWS_SHARED_CREDENTIALS_FILE: nowhere, AWS_EC2_METADATA_DISABLED: 'true', HOME: configHome },
      nodeArgs: [],
    });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: No AWS credentials/);
    noStackTrace(result.stderr);
  });
});

describe('help and version', () => {
  it('--version prints package.json’s version, also when node cannot strip types and the bin re-runs on the project’s Node', async () => {
    const [direct, reexec] = await Promise.all([
      regcred(['--version'], { nodeArgs: [] }),
      regcred(['--version'], { nodeArgs: ['--no-experimental-strip-types'] }),
    ]);
    expect(direct).toMatchObject({ code: 0, stdout: `regcred (regcred) ${packageJson.version}\n` });
    expect(reexec).toMatchObject({ code: 0, stdout: `regcred (regcred) ${packageJson.version}\n` });
  });

  it('--help on every command shows an example (subcommands in-process, the rest through the bin)', async () => {
    const commands = [
      ['docker'], ['docker', 'add-credentials'], ['docker', 'list-credentials'], ['docker', 'delete-credentials'],
      ['docker', 'update-credentials'], ['docker', 'verify-credentials'],
      ['docker', 'get-credentials'], ['docker', 'pull-secret'], ['docker', 'config-json'],
      ['config'], ['config', 'set'], ['config', 'get'], ['config', 'unset'], ['config', 'list'],
      ['events'], ['events', 'tail'],
    ];
    for (const command of commands) {
      let out = '';
      const io = { out: (text: string) => void (out += text), err: () => undefined, readStdin: async () => '' };
      expect(await run([...command, '--help'], io), command.join(' ')).toBe(0);
      expect(out, command.join(' ')).toMatch(/Example:\n {2}\$ regcred /);
    }

    const [top, addHelp] = await Promise.all([regcred(['--help'], { nodeArgs: [] }), regcred(['docker', 'add-credentials', '--help'], { nodeArgs: [] })]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Example:\n {2}\$ regcred /);
    expect(addHelp.stdout).toContain('--docker-password-stdin');

    const docker = await regcred(['docker', '--help']);
    const helpCommand = await regcred(['help', 'docker']);
    expect(helpCommand).toMatchObject({ code: 0, stdout: docker.stdout });
    expect(docker.stdout).toContain('list-credentials');
    const bare = await regcred(['docker']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('list-credentials');
  });
});

describe('regcred docker update-credentials, verify-credentials and add --verify', () => {
  // npm start allows loopback http registries, so the CLI can verify against docker-registry here.
  const registryPassword = secret('registry');
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ username: 'cli-user', password: registryPassword });
  });
  afterAll(async () => registry?.stop());
  const flags = (project: string) => ['--project', project, '--endpoint', apiUrl];

  it('rotates a password from stdin in place, and honours --if-version', async () => {
    const project = uniqueProject('cli');
    const id = await apiAdd(project, { server: 'rotate.example.com', username: 'me', password: secret('before') });
    const rotated = secret('after');
    const updated = await regcred(['docker', 'update-credentials', id, ...flags(project), '--docker-password-stdin'], { stdin: `${rotated}\n` });
    expect(updated).toMatchObject({ code: 0, stdout: `Updated credential ${id} (version 2).\n`, stderr: '' });
    expect(await storedPassword(project, id)).toBe(rotated);

    const stale = await regcred(['docker', 'update-credentials', id, ...flags(project), '--docker-email', 'me@example.com', '--if-version', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/version 2, not 1/);
    const json = await regcred(['docker', 'update-credentials', id, ...flags(project), '--docker-email', 'me@example.com', '--if-version', '2', '-o', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id, email: 'me@example.com', username: 'me', version: 3, updatedAt: expect.any(String) });
    expect(await storedPassword(project, id)).toBe(rotated);

    const nothing = await regcred(['docker', 'update-credentials', id, ...flags(project)]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Nothing to change');
    const unknown = await regcred(['docker', 'update-credentials', crypto.randomUUID(), ...flags(project), '--docker-email', 'a@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/not found in project/);
  });

  it('add --verify saves a valid login with its status, refuses a wrong one, and verify-credentials re-checks', async () => {
    const project = uniqueProject('cli');
    const wrong = secret('wrong');
    const refused = await regcred(
      ['docker', 'add-credentials', ...flags(project), '--docker-server', registry.host, '--docker-username', 'cli-user', '--docker-password-stdin', '--verify'],
      { stdin: wrong },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/registry refused this login \(registry answered 401\); nothing was stored/);
    expect((await regcred(['docker', 'list-credentials', ...flags(project), '-o', 'json'])).stdout).toBe('[]\n');

    const added = await regcred(
      ['docker', 'add-credentials', ...flags(project), '--docker-server', registry.host, '--docker-username', 'cli-user', '--docker-password-stdin', '--verify'],
      { stdin: registryPassword },
    );
    expect(added.code).toBe(0);
    const id = added.stdout.trim();
    const listed = await regcred(['docker', 'list-credentials', ...flags(project)]);
    expect(listed.stdout.split('\n')[1]).toMatch(new RegExp(`^${id}\\s+${registry.host}\\s+cli-user\\s+valid$`));

    await regcred(['docker', 'update-credentials', id, ...flags(project), '--docker-password-stdin'], { stdin: wrong });
    const afterUpdate = await regcred(['docker', 'list-credentials', ...flags(project)]);
    expect(afterUpdate.stdout.split('\n')[1]).toMatch(/cli-user\s+-$/);
    const invalid = await regcred(['docker', 'verify-credentials', id, ...flags(project)]);
    expect(invalid).toMatchObject({ code: 1, stdout: 'invalid: registry answered 401\n' });
    expect(invalid.stderr).toContain(`Credential ${id} is invalid`);
    const tooSoon = await regcred(['docker', 'verify-credentials', id, ...flags(project)]);
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stderr).toMatch(/try again in \d+ s/);

    await regcred(['docker', 'update-credentials', id, ...flags(project), '--docker-password-stdin'], { stdin: registryPassword });
    const valid = await regcred(['docker', 'verify-credentials', id, ...flags(project), '-o', 'json']);
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.stdout)).toEqual({ status: 'valid', detail: 'registry accepted the login', checkedAt: expect.any(String) });
  });
});
