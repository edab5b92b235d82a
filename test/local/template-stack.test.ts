// What `npm start` runs is the synthesised template, each function under its own role, and the fixed
// key policy lets every user of the key work: the Credential Added rule queues a check that the
// re-verification worker decrypts and stores (valid, against a real registry), the daily schedule
// runs on demand, the stream publisher's events reach events.ndjson, and a RegistryCredential
// Create and rotation (the provider invoked through Lambda's Invoke API) store the secret's password.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDetailTypes } from '../../functions/contract/events.ts';
import { expandPath, routeList, routes } from '../../functions/contract/routes.ts';
import { runSchedulesPath } from '../../local/http-server.ts';
import { localCredentials } from '../../local/sigv4-verifier.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import { logicalId, synthWithoutBundling } from '../infra/synth.ts';
import { startRegistry, type TestRegistry } from '../support/registry.ts';
import { trackCredential } from '../support/secret-audit.ts';

const { stack: app, template } = synthWithoutBundling();
const providerName = `Regcred-${logicalId(app.credentialProvider.onEvent.function)}`;

let stack: LocalStack;
let registry: TestRegistry;
let home: string;
const log: string[] = [];
const password = trackCredential('puller', `tpl-${crypto.randomUUID()}`);
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'regcred-template-'));
  [stack, registry] = await Promise.all([
    startLocalStack({ home, port: 0, offline: true, context: { 'regcred:grantsFile': 'test/fixtures/grants-local.json' }, log: (line) => log.push(line) }),
    startRegistry({ username: 'puller', password }),
  ]);
}, 300_000);
afterAll(async () => {
  await Promise.all([stack?.stop(), registry?.stop()]);
  rmSync(home, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => fetch(`${stack.apiUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const listed = async (project: string) => ((await (await api(expandPath(routes.listCredentials.path, { project }))).json()) as { items: { id: string; status: string | null; server: string }[] }).items;

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out; the stack logged:\n${log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('the synthesised template, run locally under enforced IAM', () => {
  it('runs every Node.js function of the template (the console deployment is Python: not run)', () => {
    const nodeFunctions = Object.entries(template.toJSON()['Resources'] as Record<string, { Type: string; Properties: { Runtime?: string } }>)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime?.startsWith('nodejs'))
      .map(([id]) => id);
    expect(nodeFunctions.length).toBeGreaterThan(10);
    expect([...stack.functions.values()].map((f) => f.logicalId).sort()).toEqual(nodeFunctions.sort());
    expect([...stack.functions.values()].map((f) => f.logicalId)).toContain(logicalId(app.reverification.worker.function));
  });

  it('an add without a check: the stream publisher emits Credential Added, its rule queues a check, the worker decrypts and stores valid', async () => {
    const added = await api(expandPath(routes.addCredential.path, { project: 'team-a' }), { method: 'POST', body: JSON.stringify({ server: registry.host, username: 'puller', password }) });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    const status = await waitFor(async () => (await listed('team-a')).find((c) => c.id === id)?.status ?? undefined);
    expect(status).toBe('valid');
    const events = readFileSync(stack.eventsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { 'detail-type': string; detail: { data: { credentialId: string } } });
    expect(events.filter((e) => e.detail.data.credentialId === id).map((e) => e['detail-type'])).toContain(eventDetailTypes.added);
    expect(log.filter((l) => l.includes('AccessDenied'))).toEqual([]);
  });

  it('every route of the route table works under its own role: no call of its main path is denied', async () => {
    const project = 'team-d';
    const served = new Map<string, number>();
    const call = async (route: (typeof routeList)[number], params: Record<string, string>, init: RequestInit = {}, query = '') => {
      const reply = await api(`${expandPath(route.path, { project, ...params })}${query}`, { method: route.method, ...init });
      served.set(route.name, reply.status);
      return reply;
    };
    const body = (extra: object = {}) => JSON.stringify({ server: registry.host, username: 'puller', password, ...extra });
    const { id } = (await (await call(routes.addCredential, {}, { body: body() }, '?verify=true')).json()) as { id: string };
    await call(routes.listCredentials, {});
    await call(routes.updateCredential, { id }, { body: JSON.stringify({ email: 'puller@example.com' }) });
    await call(routes.verifyCredential, { id });
    await call(routes.resolveRegistryAuth, {}, {}, `?server=${registry.host}`);
    await call(routes.getDockerConfigJson, {});
    await call(routes.deleteCredential, { id });
    expect(Object.fromEntries(served)).toEqual({
      [routes.addCredential.name]: 201,
      [routes.listCredentials.name]: 200,
      [routes.updateCredential.name]: 200,
      [routes.verifyCredential.name]: 200,
      [routes.resolveRegistryAuth.name]: 200,
      [routes.getDockerConfigJson.name]: 200,
      [routes.deleteCredential.name]: 204,
    });
    expect([...served.keys()].sort()).toEqual(routeList.map((r) => r.name).sort());
    expect(log.filter((l) => l.includes('AccessDenied'))).toEqual([]);
  });

  it('runs the daily schedule on demand: its role may invoke the enqueuer, which queues every credential', async () => {
    const reply = await api(runSchedulesPath, { method: 'POST' });
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ runs: [{ schedule: logicalId(app.reverification.schedule), function: `Regcred-${logicalId(app.reverification.enqueuer.function)}`, ok: true }] });
  });

  it('a RegistryCredential Create stores the secret’s password; an Update rotates it in place', async () => {
    const config = { endpoint: stack.awsEndpoint, region: stack.region, credentials: localCredentials };
    const secrets = new SecretsManagerClient(config);
    const lambda = new LambdaClient(config);
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `regcred/team-c/registry-${crypto.randomUUID().slice(0, 8)}`, SecretString: password }));
    const props = { ServiceToken: 'local', Project: 'team-c', Server: registry.host, Username: 'puller', PasswordSecretArn: ARN! };
    const base = { StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/team-c-app/1', LogicalResourceId: 'Registry', ResourceType: 'Custom::RegistryCredential', ResponseURL: 'https://example.invalid/r' };
    const invoke = async (event: Record<string, unknown>) => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: providerName, Payload: Buffer.from(JSON.stringify({ ...base, RequestId: crypto.randomUUID(), ...event })) }));
      expect(out.FunctionError, Buffer.from(out.Payload ?? []).toString()).toBeUndefined();
      return JSON.parse(Buffer.from(out.Payload!).toString()) as { PhysicalResourceId: string };
    };
    const resolved = async () => {
      const reply = await api(`${expandPath(routes.resolveRegistryAuth.path, { project: 'team-c' })}?server=${registry.host}`);
      return ((await reply.json()) as { password: string }).password;
    };
    const created = await invoke({ RequestType: 'Create', ResourceProperties: props });
    expect((await resolved()) === password).toBe(true);

    const rotated = trackCredential('puller', `tpl-rotated-${crypto.randomUUID()}`);
    await secrets.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: rotated }));
    const updated = await invoke({ RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: { ...props, PasswordVersion: '2' }, OldResourceProperties: props });
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect((await resolved()) === rotated).toBe(true);
    expect(log.filter((l) => l.includes('AccessDenied'))).toEqual([]);
    secrets.destroy();
    lambda.destroy();
  });
});
