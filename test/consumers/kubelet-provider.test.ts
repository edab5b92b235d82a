// regcred-kubelet-credential-provider as the kubelet runs it: the bundled bin as a subprocess on the
// system Node, a CredentialProviderRequest on stdin, against the run's local stack, pinned to the
// credentialprovider.kubelet.k8s.io/v1 facts of ../shared/reference/consumers.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkedApiUrl } from '../support/checked-proxy.ts';
import { apiAdd } from '../support/api.ts';
import { binRunner, buildBinsForTest, type BinRun, type BuiltBins, type RecordedRun } from '../support/bins.ts';
import { uniqueProject } from '../support/handlers.ts';
import { freePort } from '../support/registry.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';
import { startFaultApi } from './fault-api.ts';
import { kubeletCache, type ProviderAnswer } from './kubelet-cache.ts';

const apiVersion = 'credentialprovider.kubelet.k8s.io/v1';
// The bins' every answer is checked against the OpenAPI document (checked-proxy.ts).
const apiUrl = await checkedApiUrl(inject('localStack').apiUrl);
const project = uniqueProject('kubelet');
const hubPassword = trackCredential('hubuser', `kubelet-hub-${crypto.randomUUID()}`);
const orgPassword = trackCredential('org-a-bot', `kubelet-org-${crypto.randomUUID()}`);
// A host with both a host-level and a path-scoped credential.
const mixedProject = uniqueProject('kubelet-mixed');
const ghcrHostPassword = trackCredential('ghcr-bot', `kubelet-ghcr-${crypto.randomUUID()}`);
const mixedOrgPassword = trackCredential('org-a-bot', `kubelet-mixed-org-${crypto.randomUUID()}`);

let bins: BuiltBins;
let configHome: string;
const runs: RecordedRun[] = [];

const request = (image: string, version = apiVersion) => JSON.stringify({ apiVersion: version, kind: 'CredentialProviderRequest', image });

const provider = binRunner(
  () => bins,
  'regcred-kubelet-credential-provider',
  () => ({ XDG_CONFIG_HOME: configHome, REGCRED_PROJECT: project, REGCRED_ENDPOINT: apiUrl }),
  runs,
);

beforeAll(async () => {
  configHome = mkdtempSync(join(tmpdir(), 'regcred-kubelet-'));
  [bins] = await Promise.all([
    buildBinsForTest(),
    apiAdd(project, { server: 'https://index.docker.io/v1/', username: 'hubuser', password: hubPassword }),
    apiAdd(project, { server: 'ghcr.io/org-a', username: 'org-a-bot', password: orgPassword }),
    apiAdd(mixedProject, { server: 'ghcr.io', username: 'ghcr-bot', password: ghcrHostPassword }),
    apiAdd(mixedProject, { server: 'ghcr.io/org-a', username: 'org-a-bot', password: mixedOrgPassword }),
  ]);
}, 120_000);

afterAll(() => {
  bins?.remove();
  rmSync(configHome, { recursive: true, force: true });
  for (const run of runs) {
    expectNoTrackedSecret(run.stderr, `stderr of the provider ${run.args.join(' ')}`);
    if (run.code !== 0) expectNoTrackedSecret(run.stdout, `stdout of the failed provider ${run.args.join(' ')}`);
  }
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

describe('a host with a host-level and path-scoped credentials, through the kubelet cache', () => {
  const answer = async (image: string, projectName: string): Promise<ProviderAnswer> => {
    const result = await provider(['--project', projectName], request(image));
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('the host-level answer is cacheKeyType Image when path-scoped credentials exist on the host', async () => {
    expect(await answer('ghcr.io/other/app', mixedProject)).toMatchObject({
      cacheKeyType: 'Image',
      auth: { 'ghcr.io': { username: 'ghcr-bot', password: ghcrHostPassword } },
    });
    expect(await answer('ghcr.io/org-a/app', mixedProject)).toMatchObject({ cacheKeyType: 'Image', auth: { 'ghcr.io/org-a': { username: 'org-a-bot' } } });
  });

  it('pulling ghcr.io/other/app first does not make ghcr.io/org-a/app use the host login', async () => {
    const kubelet = kubeletCache((image) => answer(image, mixedProject));
    expect(await kubelet.pull('ghcr.io/other/app')).toEqual({ username: 'ghcr-bot', ranProvider: true });
    expect(await kubelet.pull('ghcr.io/org-a/app')).toEqual({ username: 'org-a-bot', ranProvider: true });
    expect(await kubelet.pull('ghcr.io/other/app')).toEqual({ username: 'ghcr-bot', ranProvider: false });
  });

  it('control: a host with no path-scoped credentials is answered once for the whole registry', async () => {
    const kubelet = kubeletCache((image) => answer(image, project));
    expect(await kubelet.pull('docker.io/library/nginx')).toEqual({ username: 'hubuser', ranProvider: true });
    expect(await kubelet.pull('docker.io/me/app')).toEqual({ username: 'hubuser', ranProvider: false });
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

  it('an empty --project, --endpoint or REGCRED_PROJECT (an unset shell variable), never the configured one', async () => {
    refused(await provider(['--project', ''], request('docker.io/library/nginx')), 2, /--project is empty/);
    refused(await provider(['--endpoint='], request('docker.io/library/nginx')), 2, /--endpoint is empty/);
    refused(await provider([], request('docker.io/library/nginx'), { REGCRED_PROJECT: '' }), 2, /REGCRED_PROJECT is set but empty/);
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
