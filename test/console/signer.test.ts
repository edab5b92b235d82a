// The console's deployed path without AWS: its API client signing with its SigV4 signer
// (console/auth.ts, the code the browser runs after the Cognito sign-in), against npm start, which
// checks signatures as API Gateway's IAM authorisation would (local/sigv4-verifier.ts).
import { describe, expect, inject, it } from 'vitest';
import { ApiError, apiClient } from '../../console/api.ts';
import { sigV4Signer } from '../../console/auth.ts';
import { localCredentials } from '../../local/sigv4-verifier.ts';
import { checkResponse } from '../support/openapi-check.ts';
import { uniqueProject } from '../support/handlers.ts';
import { trackCredential } from '../support/secret-audit.ts';

const { region, apiUrl } = inject('localStack');
// Every answer, the 403 included, is checked against the OpenAPI document: the client's fetch is the
// checking one (a proxy would change the Host the signature covers, which npm start checks).
const plainFetch = globalThis.fetch;
globalThis.fetch = (async (input: string | URL, init: RequestInit = {}) => {
  const response = await plainFetch(input, init);
  const text = await response.clone().text();
  checkResponse({ method: init.method ?? 'GET', path: new URL(String(input)).pathname, status: response.status, contentType: response.headers.get('content-type'), text });
  return response;
}) as typeof fetch;

describe('the console client, signed', () => {
  it('adds, rotates (If-Match), lists and deletes with every request signed', async () => {
    const api = apiClient(apiUrl, sigV4Signer(region, localCredentials));
    const project = uniqueProject('console-signed');
    const created = await api.add(project, { server: 'quay.io', username: 'robot', email: null, password: trackCredential('robot', `signed-${crypto.randomUUID()}`) }, false);
    const rotated = await api.rotate(project, created.id, created.version, trackCredential('robot', `signed-${crypto.randomUUID()}`));
    expect(rotated.version).toBe(2);
    await expect(api.rotate(project, created.id, created.version, trackCredential('robot', `stale-${crypto.randomUUID()}`))).rejects.toMatchObject({ status: 412 });
    const page = await api.list(project, 10);
    expect(page.items.map((i) => [i.id, i.version])).toEqual([[created.id, 2]]);
    await api.remove(project, created.id);
    await expect(api.list(project, 10)).resolves.toEqual({ items: [], nextToken: null });
  });

  it('is refused, with the gateway-style message, when the signature is wrong', async () => {
    const api = apiClient(apiUrl, sigV4Signer(region, { ...localCredentials, secretAccessKey: 'not-the-secret' }));
    const failure = await api.list(uniqueProject('console-signed'), 10).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 403, body: undefined });
    expect((failure as ApiError).message).toMatch(/signature/i);
  });
});
