// regcred-kubelet-credential-provider as the kubelet runs it: the bundled bin as a subprocess on the
// system Node, a CredentialProviderRequest on stdin, against the run's local stack, pinned to the
// credentialprovider.kubelet.k8s.io/v1 facts of ../shared/reference/consumers.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAdd } from '../support/api.ts';
import { buildBinsForTest, runBin, type BinRun, type BuiltBins } from '../support/bins.ts';
import { uniqueProject } from '../support/handlers.ts';
import { freePort } from '../support/registry.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { startFaultApi } from './fault-api.ts';

const apiVersion = 'credentialprovider.kubelet.k8s.io/v1';
const { apiUrl } = inject('localStack');
const project = uniqueProject('kubelet');
const hubPassword = trackSecret(`kubelet-hub-${crypto.randomUUID()}`);
const orgPassword = trackSecret(`kubelet-org-${crypto.randomUUID()}`);

let bins: BuiltBins;
let configHome: string;
const runs: BinRun[] = [];

const request = (image: string, version = apiVersion) => JSON.stringify({ apiVersion: version, kind: 'CredentialProviderRequest', image });

async function provider(args: string[], stdin: string, env: Record<string, string> = {}): Promise<BinRun> {
  const result = await runBin(bins.paths['regcred-kubelet-credential-provider'], args, {
    stdin,
    env: { XDG_CONFIG_HOME: configHome, REGCRED_PROJECT: project, REGCRED_ENDPOINT: apiUrl, ...env },
  });
  runs.push(result);
  return result;
}

beforeAll(async () => {
  configHome = mkdtempSync(join(tmpdir(), 'regcred-kubelet-'));
  [bins] = await Promise.all([
    buildBinsForTest(),
    apiAdd(project, { server: 'https://index.docker.io/v1/', username: 'hubuser', password: hubPassword }),
    apiAdd(project, { server: 'ghcr.io/org-a', username: 'org-a-bot', password: orgPassword }),
  ]);
}, 120_000);

afterAll(() => {
  bins?.remove();
  rmSync(configHome, { recursive: true, force: true });
  for (const run of runs) for (const password of [hubPassword, orgPassword]) expect(run.stderr.includes(password)).toBe(false);
});

describe('CredentialProviderResponse', () => {
  it('a host key: cacheKeyType Registry, auth keyed by the matched key, default cacheDuration 300s', async () => {
    const result = await provider([], request('docker.io/library/nginx'));
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: `{"apiVersion":"${apiVersion}","kind":"CredentialProviderResponse","cacheKeyType":"Registry","cacheDuration":"300s","auth":{"docker.io":{"username":"hubuser","password":"${hubPassword}"}}}\n`,
    });
  });

  it('a path key: cacheKeyType Image, auth keyed by the path', async () => {
    const result = await provider(['--cache-duration=1h30m'], request('ghcr.io/org-a/team/app'));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      apiVersion,
      kind: 'CredentialProviderResponse',
      cacheKeyType: 'Image',
      cacheDuration: '5400s',
      auth: { 'ghcr.io/org-a': { username: 'org-a-bot', password: orgPassword } },
    });
  });

  it('no match (org-a never matches org-ab): no auth, exit 0', async () => {
    const result = await provider(['--cache-duration', '0'], request('ghcr.io/org-ab/app'));
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: `{"apiVersion":"${apiVersion}","kind":"CredentialProviderResponse","cacheKeyType":"Image","cacheDuration":"0s"}\n`,
    });
  });
});

describe('refusals and failures: stderr, non-zero exit, nothing on stdout', () => {
  const refused = (result: BinRun, code: number, message: RegExp) => {
    expect(result.code).toBe(code);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^regcred-kubelet-credential-provider: .+\n$/);
    expect(result.stderr).toMatch(message);
  };

  it('an unknown apiVersion', async () => {
    refused(await provider([], request('docker.io/library/nginx', 'credentialprovider.kubelet.k8s.io/v1alpha1')), 2, /unsupported apiVersion "credentialprovider.kubelet.k8s.io\/v1alpha1"/);
  });

  it('another kind, no image, not JSON', async () => {
    refused(await provider([], JSON.stringify({ apiVersion, kind: 'Pod', image: 'nginx' })), 2, /unsupported kind "Pod"/);
    refused(await provider([], JSON.stringify({ apiVersion, kind: 'CredentialProviderRequest' })), 2, /no image/);
    refused(await provider([], 'image: nginx'), 2, /not a JSON CredentialProviderRequest/);
  });

  it('a bad --cache-duration or an unknown flag', async () => {
    refused(await provider(['--cache-duration', '5 minutes'], request('docker.io/library/nginx')), 2, /not a duration/);
    refused(await provider(['--cache'], request('docker.io/library/nginx')), 2, /Unknown option '--cache'/);
  });

  it('an unreachable vault', async () => {
    refused(await provider([], request('docker.io/library/nginx'), { REGCRED_ENDPOINT: `http://127.0.0.1:${await freePort()}` }), 1, /Cannot reach/);
  });

  // The local stack cannot be made to answer these on demand: a stand-in server does (fault injection).
  it.each([
    [403, '{"message":"Forbidden"}'],
    [503, '{"error":"Unavailable","message":"The credential store is unavailable; retry later."}'],
  ])('an API answering %i', async (status, body) => {
    const api = await startFaultApi(status, body);
    try {
      refused(await provider([], request('docker.io/library/nginx'), { REGCRED_ENDPOINT: api.url }), 1, /403|unavailable/);
    } finally {
      await api.close();
    }
  });
});
