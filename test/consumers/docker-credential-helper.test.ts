// docker-credential-regcred as docker, BuildKit and skopeo run it: the bundled bin as a subprocess
// on the system Node, against the run's local stack, pinned to the protocol facts of
// docker/docker-credential-helpers (../shared/reference/consumers.md).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { goJson } from '../../common/go-json.ts';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { checkedFetch } from '../support/openapi-check.ts';
import { apiAdd } from '../support/api.ts';
import { binRunner, buildBinsForTest, type BinRun, type BuiltBins, type RecordedRun } from '../support/bins.ts';
import { uniqueProject } from '../support/handlers.ts';
import { freePort } from '../support/registry.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';
import { startFaultApi } from './fault-api.ts';

const notFound = 'credentials not found in native keychain\n';
// The bins' every answer is checked against the OpenAPI document (checked-proxy.ts).
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const project = uniqueProject('helper');
const secret = (username: string | null, label: string) => trackCredential(username, `helper-${label}-${crypto.randomUUID()}`);
const hubPassword = secret('hubuser', 'hub');
// Go's encoder escapes <, > and &: the Secret must come out as \u003c... and still parse back.
const localPassword = trackCredential('local', `helper-local-${crypto.randomUUID()}<&>`);
const quayPassword = secret(null, 'quay');

let bins: BuiltBins;
let configHome: string;
const runs: RecordedRun[] = [];

const helper = binRunner(() => bins, 'docker-credential-regcred', () => ({ XDG_CONFIG_HOME: configHome, REGCRED_PROJECT: project, REGCRED_ENDPOINT: apiUrl }), runs);

beforeAll(async () => {
  configHome = mkdtempSync(join(tmpdir(), 'regcred-helper-'));
  [bins] = await Promise.all([
    buildBinsForTest(),
    apiAdd(project, { server: 'https://index.docker.io/v1/', username: 'hubuser', email: 'hub@example.com', password: hubPassword }),
    apiAdd(project, { server: 'localhost:5000', username: 'local', password: localPassword }),
    apiAdd(project, { server: 'quay.io', password: quayPassword }),
    apiAdd(project, { server: 'ghcr.io/org-a', username: 'a', password: secret('a', 'org-a') }),
    apiAdd(project, { server: 'ghcr.io/org-b', username: 'b', password: secret('b', 'org-b') }),
  ]);
}, 120_000);

afterAll(() => {
  bins?.remove();
  rmSync(configHome, { recursive: true, force: true });
  // stderr goes to the user's terminal: no password there, ever; on stdout only in a successful get.
  for (const run of runs) {
    expectNoTrackedSecret(run.stderr, `stderr of helper ${run.args.join(' ')}`);
    if (!(run.args[0] === 'get' && run.code === 0)) expectNoTrackedSecret(run.stdout, `stdout of helper ${run.args.join(' ')}`);
  }
});

describe('get', () => {
  it('answers the docker CLI’s Docker Hub form with {"ServerURL" as received, "Username", "Secret"} and a newline', async () => {
    const result = await helper(['get'], 'https://index.docker.io/v1/\n');
    expect(result).toEqual({ code: 0, stderr: '', stdout: goJson({ ServerURL: 'https://index.docker.io/v1/', Username: 'hubuser', Secret: hubPassword }) });
    expect(result.stdout).toBe(`{"ServerURL":"https://index.docker.io/v1/","Username":"hubuser","Secret":"${hubPassword}"}\n`);
  });

  it('answers skopeo’s Docker Hub form docker.io with the same credential', async () => {
    const result = await helper(['get'], 'docker.io');
    expect(result).toEqual({ code: 0, stderr: '', stdout: `{"ServerURL":"docker.io","Username":"hubuser","Secret":"${hubPassword}"}\n` });
  });

  it('trims the server string, echoes it trimmed, and writes <, > and & as Go does', async () => {
    const result = await helper(['get'], '  localhost:5000 \r\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`{"ServerURL":"localhost:5000","Username":"local","Secret":"${localPassword.replace('<&>', '\\u003c\\u0026\\u003e')}"}\n`);
    expect(JSON.parse(result.stdout)).toEqual({ ServerURL: 'localhost:5000', Username: 'local', Secret: localPassword });
  });

  it('gives an empty Username for a credential stored without one', async () => {
    const result = await helper(['get'], 'quay.io');
    expect(result.stdout).toBe(`{"ServerURL":"quay.io","Username":"","Secret":"${quayPassword}"}\n`);
  });

  it('answers exactly the not-found text on stdout, exit 1, when the vault has no match', async () => {
    for (const server of ['unknown.example.com', 'localhost:5001', 'https://localhost:5002/v2/']) {
      expect(await helper(['get'], server), server).toEqual({ code: 1, stdout: notFound, stderr: '' });
    }
  });

  it('says not-found for a host with only path-scoped credentials (it cannot tell which one)', async () => {
    expect(await helper(['get'], 'ghcr.io')).toEqual({ code: 1, stdout: notFound, stderr: '' });
  });

  it('with no endpoint configured, uses the running npm start whose lock file is in REGCRED_HOME, else fails naming it (exit 2)', async () => {
    const { home } = inject('localStack');
    const found = await helper(['get'], 'docker.io', { REGCRED_ENDPOINT: undefined, REGCRED_HOME: home });
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toMatchObject({ Secret: hubPassword });
    const empty = mkdtempSync(join(tmpdir(), 'regcred-helper-home-'));
    const none = await helper(['get'], 'docker.io', { REGCRED_ENDPOINT: undefined, REGCRED_HOME: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(none).toEqual({ code: 2, stdout: expect.stringMatching(/^regcred: No endpoint configured: .+\n$/), stderr: '' });
  });

  it('refuses an empty server string with the protocol’s own message', async () => {
    expect(await helper(['get'], ' \n')).toEqual({ code: 1, stdout: 'no credentials server URL\n', stderr: '' });
  });

  it('reads its settings from the config file too', async () => {
    const home = mkdtempSync(join(tmpdir(), 'regcred-helper-config-'));
    mkdirSync(join(home, 'regcred'));
    writeFileSync(join(home, 'regcred', 'config.json'), JSON.stringify({ project, endpoint: apiUrl }));
    const result = await helper(['get'], 'docker.io', { XDG_CONFIG_HOME: home, REGCRED_PROJECT: undefined, REGCRED_ENDPOINT: undefined });
    expect(JSON.parse(result.stdout)).toEqual({ ServerURL: 'docker.io', Username: 'hubuser', Secret: hubPassword });
    // An empty variable is a mistake (an unset shell variable), never a reason to use the file's value.
    for (const name of ['REGCRED_PROJECT', 'REGCRED_ENDPOINT']) {
      const empty = await helper(['get'], 'docker.io', { XDG_CONFIG_HOME: home, REGCRED_PROJECT: undefined, REGCRED_ENDPOINT: undefined, [name]: '' });
      expect(empty, name).toEqual({ code: 2, stdout: `regcred: ${name} is set but empty; set it to a ${name === 'REGCRED_PROJECT' ? 'project' : 'endpoint'} or unset it.\n`, stderr: '' });
    }
    rmSync(home, { recursive: true, force: true });
  });
});

describe('failures that are not not-found', () => {
  const isOtherFailure = (result: BinRun) => {
    expect(result.code).toBe(1);
    expect(result.stdout).not.toBe(notFound);
    expect(result.stdout.trim()).not.toContain('credentials not found');
    expect(result.stdout).toMatch(/^regcred: .+\n$/);
    expect(result.stderr).toBe('');
  };

  it('an unreachable vault', async () => {
    const result = await helper(['get'], 'docker.io', { REGCRED_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    isOtherFailure(result);
    expect(result.stdout).toMatch(/Cannot reach the regcred API .*ECONNREFUSED/);
  });

  // The local stack cannot be made to answer these on demand: a stand-in server does (fault injection).
  it.each([
    [403, '{"message":"Forbidden"}', /HTTP 403: Forbidden; the AWS identity/],
    [404, '{"message":"Not Found"}', /HTTP 404: Not Found/],
    [500, '{"message":"Internal Server Error"}', /HTTP 500/],
    [503, '{"error":"Unavailable","message":"The credential store is unavailable; retry later."}', /unavailable/],
  ])('an API answering %i', async (status, body, message) => {
    const api = await startFaultApi(status, body);
    try {
      const result = await helper(['get'], 'docker.io', { REGCRED_ENDPOINT: api.url });
      isOtherFailure(result);
      expect(result.stdout).toMatch(message);
    } finally {
      await api.close();
    }
  });

  it('a server string the API refuses as invalid (400 from the real API)', async () => {
    const result = await helper(['get'], 'not a host!');
    isOtherFailure(result);
    expect(result.stdout).toMatch(/server/i);
  });

  it('no project configured (a usage error: exit 2)', async () => {
    const result = await helper(['get'], 'docker.io', { REGCRED_PROJECT: undefined });
    expect(result).toEqual({ code: 2, stdout: expect.stringMatching(/^regcred: No project given.+\n$/), stderr: '' });
  });
});

describe('list, store, erase, version', () => {
  it('lists host-level credentials as {"<serverURL>": "<username>"}, keys sorted, never a secret', async () => {
    const result = await helper(['list']);
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: '{"https://index.docker.io/v1/":"hubuser","localhost:5000":"local","quay.io":""}\n',
    });
  });

  it('stores a new credential that get then returns; by default refuses to replace it (docker login again) or erase it (docker logout), naming its id and the regcred command', async () => {
    const server = `store-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const password = secret('storer', 'store');
    const stored = await helper(['store'], JSON.stringify({ ServerURL: server, Username: 'storer', Secret: password }));
    expect(stored).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse((await helper(['get'], server)).stdout)).toEqual({ ServerURL: server, Username: 'storer', Secret: password });
    const listed = async () =>
      ((await checkedFetch(`${apiUrl}/projects/${project}/docker-credentials?limit=100`).then((r) => r.json())) as {
        items: { id: string; registry: string; server: string; version: number }[];
      }).items.filter((item) => item.registry === server);
    const id = (await listed())[0]?.id ?? 'missing';

    const again = await helper(['store'], JSON.stringify({ ServerURL: `https://${server}`, Username: 'other', Secret: secret('other', 'store-again') }));
    expect(again).toEqual({
      code: 1,
      stdout: `regcred: https://${server} already has credential ${id} in project ${project}; the helper does not replace it. Use \`regcred docker update-credentials ${id} --docker-password-stdin\`, or set REGCRED_HELPER_WRITES=replace.\n`,
      stderr: '',
    });
    const erased = await helper(['erase'], `${server}\n`);
    expect(erased).toEqual({
      code: 1,
      stdout: `regcred: ${server} has credential ${id} in project ${project}; the helper does not delete it. Use \`regcred docker delete-credentials ${id}\`, or set REGCRED_HELPER_WRITES=replace.\n`,
      stderr: '',
    });
    expect(await listed()).toEqual([expect.objectContaining({ id, server, version: 1 })]);
    expect(JSON.parse((await helper(['get'], server)).stdout)).toEqual({ ServerURL: server, Username: 'storer', Secret: password });
  });

  it('with REGCRED_HELPER_WRITES=replace (or helper-writes in the config file), replaces the login in place and erases it', async () => {
    const server = `replace-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const replace = { REGCRED_HELPER_WRITES: 'replace' };
    expect(await helper(['store'], JSON.stringify({ ServerURL: server, Username: 'storer', Secret: secret('storer', 'replace') }))).toMatchObject({ code: 0 });
    const rotated = secret('other', 'replace-again');
    expect(await helper(['store'], JSON.stringify({ ServerURL: `https://${server}`, Username: 'other', Secret: rotated }), replace)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(JSON.parse((await helper(['get'], server)).stdout)).toEqual({ ServerURL: server, Username: 'other', Secret: rotated });

    const home = mkdtempSync(join(tmpdir(), 'regcred-helper-writes-'));
    mkdirSync(join(home, 'regcred'));
    writeFileSync(join(home, 'regcred', 'config.json'), JSON.stringify({ 'helper-writes': 'replace' }));
    const erased = await helper(['erase'], `${server}\n`, { XDG_CONFIG_HOME: home });
    rmSync(home, { recursive: true, force: true });
    expect(erased).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await helper(['get'], server)).toEqual({ code: 1, stdout: notFound, stderr: '' });
    expect(await helper(['erase'], server, replace)).toEqual({ code: 1, stdout: notFound, stderr: '' });
    expect(await helper(['erase'], server, { REGCRED_HELPER_WRITES: 'yes' })).toMatchObject({ code: 2, stdout: expect.stringContaining('helper-writes "yes" is not one of add, replace') });
  });

  it.each([
    ['not json', 'regcred: store expects {"ServerURL","Username","Secret"} as JSON on stdin\n'],
    [JSON.stringify({ Username: 'u', Secret: 's' }), 'no credentials server URL\n'],
    [JSON.stringify({ ServerURL: 'x.example.com', Secret: 's' }), 'no credentials username\n'],
  ])('store refuses %s', async (stdin, stdout) => {
    expect(await helper(['store'], stdin)).toEqual({ code: 1, stdout, stderr: '' });
  });

  it('erase refuses an empty server string and never touches path-scoped credentials', async () => {
    expect(await helper(['erase'], '')).toEqual({ code: 1, stdout: 'no credentials server URL\n', stderr: '' });
    expect(await helper(['erase'], 'ghcr.io')).toEqual({ code: 1, stdout: notFound, stderr: '' });
  });

  it('version, usage and unknown verbs', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await helper(['version'])).toEqual({ code: 0, stdout: `docker-credential-regcred (regcred) ${version}\n`, stderr: '' });
    expect(await helper([])).toEqual({ code: 1, stdout: 'Usage: docker-credential-regcred <store|get|erase|list|version>\n', stderr: '' });
    expect(await helper(['get', 'extra'])).toEqual({ code: 1, stdout: 'Usage: docker-credential-regcred <store|get|erase|list|version>\n', stderr: '' });
    expect(await helper(['fetch'])).toEqual({ code: 1, stdout: 'docker-credential-regcred: unknown action: fetch\n', stderr: '' });
  });
});
