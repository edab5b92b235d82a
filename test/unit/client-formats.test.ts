// The clients' pure formats: Go's JSON bytes, Go durations, the kubelet request check, and the pull
// secret against what kubectl itself writes (test/fixtures/kubectl-dockerconfigjson.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/config.ts';
import { goJson, goMarshal, sortedMap } from '../../common/go-json.ts';
import { goDuration, parseRequest } from '../../cli/kubelet-provider.ts';
import { pullSecret, pullSecretYaml } from '../../cli/pull-secret.ts';

const kubectl = JSON.parse(readFileSync(new URL('../fixtures/kubectl-dockerconfigjson.json', import.meta.url), 'utf8')) as {
  cases: { dockerconfigjson: string }[];
};

describe('Go JSON', () => {
  it('escapes <, >, &, U+2028 and U+2029 as encoding/json does, and Encode adds one newline', () => {
    expect(goMarshal({ a: '<tok>&\u2028\u2029"\n' })).toBe('{"a":"\\u003ctok\\u003e\\u0026\\u2028\\u2029\\"\\n"}');
    expect(goJson({ Username: '<token>' })).toBe('{"Username":"\\u003ctoken\\u003e"}\n');
  });

  it('sorts map keys byte-wise', () => {
    expect(Object.keys(sortedMap({ 'quay.io': 1, 'https://index.docker.io/v1/': 2, 'Z.example': 3, 'localhost:5000': 4 }))).toEqual([
      'Z.example', 'https://index.docker.io/v1/', 'localhost:5000', 'quay.io',
    ]);
  });
});

describe('goDuration', () => {
  it.each([
    ['5m', '300s'], ['300s', '300s'], ['1h30m', '5400s'], ['1.5h', '5400s'], ['0', '0s'], ['0s', '0s'], ['1500ms', '1.5s'], ['2h0m0s', '7200s'],
  ])('%s -> %s', (input, output) => expect(goDuration(input)).toBe(output));

  it.each(['', '5', 'five minutes', '5 m', '-5m', '5d', '1h 30m'])('refuses %j', (input) => {
    expect(() => goDuration(input)).toThrow(UsageError);
  });
});

describe('parseRequest', () => {
  const v1 = 'credentialprovider.kubelet.k8s.io/v1';
  it('returns the image of a v1 request and ignores fields it does not use', () => {
    expect(parseRequest(JSON.stringify({ apiVersion: v1, kind: 'CredentialProviderRequest', image: 'docker.io/library/nginx', serviceAccountToken: 'x' }))).toBe(
      'docker.io/library/nginx',
    );
  });
  it.each([
    [{ apiVersion: 'credentialprovider.kubelet.k8s.io/v1beta1', kind: 'CredentialProviderRequest', image: 'x' }, /unsupported apiVersion "credentialprovider.kubelet.k8s.io\/v1beta1"/],
    [{ kind: 'CredentialProviderRequest', image: 'x' }, /unsupported apiVersion null/],
    [{ apiVersion: v1, kind: 'CredentialProviderResponse', image: 'x' }, /unsupported kind/],
    [{ apiVersion: v1, kind: 'CredentialProviderRequest', image: '' }, /no image/],
  ])('refuses %j', (request, message) => expect(() => parseRequest(JSON.stringify(request))).toThrow(message));
});

describe('pull secret', () => {
  it.each(kubectl.cases.map((c) => [c.dockerconfigjson]))('carries kubectl’s exact .dockerconfigjson bytes for %s', (bytes) => {
    const secret = pullSecret(JSON.parse(bytes), { name: 'regcred' });
    expect(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8')).toBe(bytes);
  });

  it('renders the manifest as YAML, with the namespace only when given', () => {
    const config = { auths: { 'ghcr.io/org': { username: 'u', password: 'p', auth: 'dTpw' } } };
    const data = Buffer.from(goMarshal(config)).toString('base64');
    expect(pullSecretYaml(pullSecret(config, { name: 'pull', namespace: 'apps' }))).toBe(
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\n  namespace: apps\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ${data}\n`,
    );
    expect(pullSecretYaml(pullSecret(config, { name: 'pull' }))).not.toContain('namespace');
  });

  it.each([
    [{ name: 'Bad_Name' }, /--name "Bad_Name"/],
    [{ name: 'x'.repeat(254) }, /--name/],
    [{ name: 'ok', namespace: 'a.b' }, /--namespace "a.b"/],
    [{ name: 'ok', namespace: 'n: x' }, /--namespace/],
  ])('refuses %j', (options, message) => expect(() => pullSecret({ auths: {} }, options)).toThrow(message));
});
