// IAM proven against what the handlers actually call. Each route's real handler (its Lambda entry
// module, as `npm start` and the bundles load it) runs its main paths against DynamoDB Local and the
// local KMS while every SDK request is recorded as it leaves; then each recorded request is mapped
// to the IAM actions it needs (a TransactWriteItems item by item) and checked against the route's
// role in the synthesised template, and KMS requests also against the key policy, conditions
// evaluated on the request's real encryption context. A new SDK call cannot ship without its grant,
// and a new route cannot ship without a scenario here.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { routeList, routes, type Route } from '../../functions/contract/routes.ts';
import { localEnvironment, repoRoot } from '../../local/stack.ts';
import { logicalId, policiesOfRole, resources, synthWithoutBundling } from '../infra/synth.ts';
import { invoke, uniqueProject, type Call, type Reply } from '../support/handlers.ts';
import { allows, permissionsFor, type Needed, type Statement } from '../support/iam-policy.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { recordSdkCalls, type SdkCall } from '../support/sdk-recorder.ts';
import { freePort } from '../support/registry.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type RouteName = Route['name'];

const stack = inject('localStack');
const handlers = new Map<RouteName, Handler>();
const recorded = new Map<RouteName, SdkCall[]>(routeList.map((r) => [r.name, []]));
let current: RouteName | undefined;
const stopRecording = recordSdkCalls((call) => {
  if (!current) throw new Error(`an SDK call outside any route: ${call.service} ${call.operation}`);
  recorded.get(current)!.push(call);
});
afterAll(stopRecording);

beforeAll(async () => {
  Object.assign(process.env, localEnvironment(stack.dynamoDbEndpoint, stack.kmsEndpoint));
  vi.resetModules();
  for (const route of routeList) {
    handlers.set(route.name, ((await import(pathToFileURL(join(repoRoot, route.entry)).href)) as { handler: Handler }).handler);
  }
});

/** Invokes a route's real handler; the SDK calls made meanwhile are that route's. */
async function call(route: Route, request: Call): Promise<Reply> {
  current = route.name;
  try {
    return await invoke(handlers.get(route.name)!, route, request);
  } finally {
    current = undefined;
  }
}

const newCredential = (project: string, registry = 'registry.example.com') =>
  call(routes.addCredential, { pathParameters: { project }, body: { server: registry, username: 'u', password: trackSecret(`iam-${crypto.randomUUID()}`) } });

/** Each route's main paths, with the statuses that prove they were taken. Every route needs one. */
const scenarios: Record<RouteName, () => Promise<void>> = {
  'add-credential': async () => {
    const project = uniqueProject('iam');
    expect((await newCredential(project)).status).toBe(201);
    expect((await newCredential(project)).status).toBe(409);
    expect((await call(routes.addCredential, { pathParameters: { project }, body: { server: 'x' } })).status).toBe(400);
  },
  'list-credentials': async () => {
    const project = uniqueProject('iam');
    for (const registry of ['a.example.com', 'b.example.com', 'c.example.com']) await newCredential(project, registry);
    const first = await call(routes.listCredentials, { pathParameters: { project }, query: { limit: '2' } });
    expect(first.status).toBe(200);
    const second = await call(routes.listCredentials, { pathParameters: { project }, query: { limit: '2', nextToken: first.json.nextToken } });
    expect([second.status, second.json.items.length]).toEqual([200, 1]);
    expect((await call(routes.listCredentials, { pathParameters: { project: uniqueProject('iam') } })).json.items).toEqual([]);
  },
  'delete-credential': async () => {
    const project = uniqueProject('iam');
    const { id } = (await newCredential(project)).json;
    expect((await call(routes.deleteCredential, { pathParameters: { project, id } })).status).toBe(204);
    expect((await call(routes.deleteCredential, { pathParameters: { project, id } })).status).toBe(404);
  },
  'update-credential': async () => {
    const project = uniqueProject('iam');
    const { id } = (await newCredential(project)).json;
    const update = (headers: Record<string, string> = {}) =>
      call(routes.updateCredential, { pathParameters: { project, id }, headers, body: { password: trackSecret(`iam-${crypto.randomUUID()}`) } });
    expect((await update({ 'if-match': '"1"' })).status).toBe(200);
    expect((await update({ 'if-match': '"1"' })).status).toBe(412);
    expect((await call(routes.updateCredential, { pathParameters: { project, id: crypto.randomUUID() }, body: { username: 'v' } })).status).toBe(404);
  },
  'verify-credential': async () => {
    const project = uniqueProject('iam');
    // A closed loopback port (the local stack allows loopback registries): unreachable, then rate-limited.
    const { id } = (await newCredential(project, `127.0.0.1:${await freePort()}`)).json;
    const verify = () => call(routes.verifyCredential, { pathParameters: { project, id } });
    const first = await verify();
    expect([first.status, first.json.status]).toEqual([200, 'unreachable']);
    expect((await verify()).status).toBe(429);
    expect((await call(routes.verifyCredential, { pathParameters: { project, id: crypto.randomUUID() } })).status).toBe(404);
  },
  'resolve-registry-auth': async () => {
    const project = uniqueProject('iam');
    await newCredential(project, 'ghcr.io/org');
    await newCredential(project, 'ghcr.io');
    expect((await call(routes.resolveRegistryAuth, { pathParameters: { project }, query: { image: 'ghcr.io/org/app:1' } })).status).toBe(200);
    const host = await call(routes.resolveRegistryAuth, { pathParameters: { project }, query: { image: 'ghcr.io/other/app' } });
    expect([host.status, host.json.registry, host.json.pathScoped]).toEqual([200, 'ghcr.io', true]);
    expect((await call(routes.resolveRegistryAuth, { pathParameters: { project }, query: { image: 'quay.io/other/app' } })).status).toBe(404);
  },
  'get-dockerconfigjson': async () => {
    const project = uniqueProject('iam');
    for (const registry of ['a.example.com', 'b.example.com']) await newCredential(project, registry);
    const reply = await call(routes.getDockerConfigJson, { pathParameters: { project } });
    expect([reply.status, Object.keys(reply.json.auths).length]).toEqual([200, 2]);
  },
};

const { stack: cdkStack, template } = synthWithoutBundling();
const all = resources(template);
const keyPolicy = all[logicalId(cdkStack.storage.key)]!.Properties['KeyPolicy'].Statement as Statement[];
const stackResources = {
  table: (name: string) => {
    if (name !== stack.tableName) throw new Error(`a call to table ${name}, which the stack does not define`);
    return { 'Fn::GetAtt': [logicalId(cdkStack.storage.table), 'Arn'] };
  },
  key: (keyId: string | undefined) => {
    if (keyId !== undefined && keyId !== process.env['REGCRED_KMS_KEY_ID']) throw new Error(`a call with key ${keyId}, not the stack's key`);
    return { 'Fn::GetAtt': [logicalId(cdkStack.storage.key), 'Arn'] };
  },
};
const roleIdOf = (name: RouteName) => logicalId(cdkStack.api.functions[name]!.role);
const roleStatements = (name: RouteName) => policiesOfRole(all, roleIdOf(name)).flatMap(([, p]) => p.Properties['PolicyDocument'].Statement as Statement[]);
const keyPolicyAllows = (name: RouteName, needed: Needed) =>
  allows(keyPolicy, needed, { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleIdOf(name), 'Arn'] } });
const describeNeed = (n: Needed) => `${n.action} on ${JSON.stringify(n.resource)} with ${JSON.stringify(n.context)}`;

/** The permissions a route's recorded calls needed that its role (or, for KMS, the key policy) does not give. */
function denied(name: RouteName, calls: readonly SdkCall[], asRole: RouteName = name): string[] {
  const needs = calls.flatMap((c) => permissionsFor(c, stackResources));
  return needs.flatMap((need) => [
    ...(allows(roleStatements(asRole), need) ? [] : [`role: ${describeNeed(need)}`]),
    ...(need.action.startsWith('kms:') && !keyPolicyAllows(asRole, need) ? [`key policy: ${describeNeed(need)}`] : []),
  ]);
}

describe('every SDK call a handler makes is allowed by its role in the synthesised template', () => {
  it('every route of the route table has a scenario here', () => {
    expect(routeList.map((r) => r.name).filter((name) => !(name in scenarios))).toEqual([]);
  });

  it.each(routeList.map((r) => r.name))('%s', async (name) => {
    await scenarios[name]();
    const calls = recorded.get(name)!;
    expect(calls.length).toBeGreaterThan(0);
    expect(denied(name, calls)).toEqual([]);
  });

  it('recorded what each route really does (add: transaction + Encrypt, list: Query, delete: GetItem + transaction, resolve: guards, credential, paths below the host, Decrypt)', () => {
    const operations = (name: RouteName) => [...new Set(recorded.get(name)!.map((c) => `${c.service}:${c.operation}`))].sort();
    expect(operations('add-credential')).toEqual(expect.arrayContaining(['dynamodb:TransactWriteItems', 'kms:Encrypt']));
    expect(operations('list-credentials')).toEqual(['dynamodb:Query']);
    expect(operations('delete-credential')).toEqual(['dynamodb:GetItem', 'dynamodb:TransactWriteItems']);
    expect(operations('resolve-registry-auth')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt']);
  });

  it('controls: the check refuses calls another role does not allow, and a KMS context the conditions reject', () => {
    expect(denied('add-credential', recorded.get('add-credential')!, 'list-credentials')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^role: dynamodb:PutItem/), expect.stringMatching(/^role: kms:Encrypt/), expect.stringMatching(/^key policy: kms:Encrypt/)]),
    );
    expect(denied('delete-credential', recorded.get('delete-credential')!, 'add-credential')).toEqual([expect.stringMatching(/^role: dynamodb:DeleteItem/), expect.stringMatching(/^role: dynamodb:DeleteItem/)]);
    const encrypt = recorded.get('add-credential')!.find((c) => c.operation === 'Encrypt')!;
    const withoutId = { ...encrypt, input: { ...encrypt.input, EncryptionContext: { project: 'p' } } };
    const withExtra = { ...encrypt, input: { ...encrypt.input, EncryptionContext: { ...encrypt.input['EncryptionContext'], other: 'x' } } };
    for (const bad of [withoutId, withExtra]) {
      expect(denied('add-credential', [bad])).toEqual([expect.stringMatching(/^role: kms:Encrypt/), expect.stringMatching(/^key policy: kms:Encrypt/)]);
    }
    expect(() => permissionsFor({ service: 'dynamodb', operation: 'BatchWriteItem', input: {} }, stackResources)).toThrow(/no IAM mapping/);
  });
});
