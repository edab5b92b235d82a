// The read side's handlers in-process against DynamoDB Local and the local KMS: what each request
// costs in AWS calls, how many Decrypts run at once, what the audit line says about the caller, and
// that a ciphertext moved to another record or an unreachable key service never yields a password.
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../functions/adapters/aws-clients.ts';
import { DynamoDbCredentialReader } from '../../functions/adapters/dynamodb-credential-reader.ts';
import { KmsPasswordDecryptor } from '../../functions/adapters/kms-password-decryptor.ts';
import { routes } from '../../functions/contract/routes.ts';
import { keyOf } from '../../functions/contract/table.ts';
import { decryptConcurrency } from '../../functions/core/docker-config.ts';
import { getDockerConfigJsonHandler } from '../../functions/http/handlers/get-dockerconfigjson.ts';
import { resolveRegistryAuthHandler } from '../../functions/http/handlers/resolve-registry-auth.ts';
import { countCalls } from '../../bench/stats.ts';
import { invoke, loadHandlers, localClients, uniqueProject, type Handlers } from '../support/handlers.ts';
import { apiGatewayEvent, lambdaContext } from '../../local/lambda-event.ts';
import { capturedOutput, expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

let h: Handlers;
const { dynamo, tableName } = localClients();

beforeAll(async () => {
  h = await loadHandlers();
});

async function add(project: string, server: string, password = trackCredential('robot', `int-${crypto.randomUUID()}`)) {
  const reply = await invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server, username: 'robot', password } });
  expect(reply.status).toBe(201);
  return { id: reply.json.id as string, password };
}

async function addMany(project: string, count: number) {
  for (let start = 0; start < count; start += 20) {
    await Promise.all(Array.from({ length: Math.min(20, count - start) }, (_, i) => add(project, `r${start + i}.example.com`)));
  }
}

/** The read handlers wired like the Lambda entries, with AWS call counters and a Decrypt concurrency gauge. */
function counted(options: { pageSize?: number; kmsEndpoint?: string } = {}) {
  const calls = { dynamodb: {} as Record<string, number>, kms: {} as Record<string, number> };
  const db = new DynamoDBClient({ ...clientConfig });
  const kms = new KMSClient({ ...clientConfig, ...(options.kmsEndpoint && { endpoint: options.kmsEndpoint }) });
  countCalls(db, calls.dynamodb);
  countCalls(kms, calls.kms);
  const gauge = { inFlight: 0, max: 0 };
  kms.middlewareStack.add(
    (next) => async (args) => {
      gauge.max = Math.max(gauge.max, ++gauge.inFlight);
      try {
        return await next(args);
      } finally {
        gauge.inFlight--;
      }
    },
    { step: 'initialize', name: 'decryptGauge' },
  );
  const deps = {
    reader: new DynamoDbCredentialReader(db, tableName, options.pageSize),
    decryptor: new KmsPasswordDecryptor(kms, process.env['REGCRED_KMS_KEY_ID']!),
  };
  const reset = () => {
    for (const counts of [calls.dynamodb, calls.kms]) for (const key of Object.keys(counts)) delete counts[key];
  };
  return { calls, gauge, reset, resolve: resolveRegistryAuthHandler(deps), dockerConfig: getDockerConfigJsonHandler(deps) };
}

const resolve = (handler: Handlers['resolve'], project: string, query: Record<string, string>, iamUserArn?: string) =>
  invoke(handler, routes.resolveRegistryAuth, { pathParameters: { project }, query, ...(iamUserArn && { iamUserArn }) });

describe('resolve: cost does not grow with the project', () => {
  it('one BatchGetItem, one GetItem and one Decrypt, with 1 credential and with 150', async () => {
    const project = uniqueProject('cost');
    const target = await add(project, 'ghcr.io/org');
    const c = counted();
    const measure = async () => {
      c.reset();
      const reply = await resolve(c.resolve, project, { image: 'ghcr.io/org/team/app:1' });
      expect(reply.status).toBe(200);
      expect(reply.json.password === target.password).toBe(true);
      return structuredClone(c.calls);
    };
    const one = await measure();
    await addMany(project, 149);
    expect(await measure()).toEqual(one);
    expect(one).toEqual({ dynamodb: { BatchGetItem: 1, GetItem: 1, Query: 1 }, kms: { Decrypt: 1 } });

    c.reset();
    expect((await resolve(c.resolve, project, { image: 'quay.io/nothing/here' })).status).toBe(404);
    expect(c.calls).toEqual({ dynamodb: { BatchGetItem: 1, Query: 1 }, kms: {} });
  });

  it('a 255-character name with 126 candidate keys still resolves (two batches in parallel)', async () => {
    const project = uniqueProject('deep');
    const target = await add(project, 'ab.io');
    const c = counted();
    const reply = await resolve(c.resolve, project, { image: `ab.io/${'a/'.repeat(124)}a` });
    expect(reply.status).toBe(200);
    expect(reply.json.credentialId).toBe(target.id);
    expect(c.calls).toEqual({ dynamodb: { BatchGetItem: 2, GetItem: 1, Query: 1 }, kms: { Decrypt: 1 } });
  });
});

describe('resolve: a credential deleted between reading its guard and reading it', () => {
  it('falls through to the next less specific credential, in the same two reads', async () => {
    const project = uniqueProject('gone');
    const host = await add(project, 'reg.example.com');
    const team = await add(project, 'reg.example.com/team');
    // The state a concurrent delete leaves for a moment: the guard still there, the credential gone.
    await dynamo.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: keyOf.project(project) }, sk: { S: keyOf.credential(team.id) } } }));
    const c = counted();
    const reply = await resolve(c.resolve, project, { image: 'reg.example.com/team/app' });
    expect(reply.status).toBe(200);
    expect(reply.json.credentialId).toBe(host.id);
    expect(reply.json.password === host.password).toBe(true);
    expect(c.calls).toEqual({ dynamodb: { BatchGetItem: 1, GetItem: 2, Query: 1 }, kms: { Decrypt: 1 } });
  });
});

describe('dockerconfigjson', () => {
  it(`pages through 120 credentials and never runs more than ${decryptConcurrency} Decrypts at once`, async () => {
    const project = uniqueProject('conc');
    await addMany(project, 120);
    const c = counted({ pageSize: 7 });
    const reply = await invoke(c.dockerConfig, routes.getDockerConfigJson, { pathParameters: { project } });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.json.auths)).toHaveLength(120);
    expect(c.calls).toEqual({ dynamodb: { Query: Math.ceil(120 / 7) + (120 % 7 === 0 ? 1 : 0) }, kms: { Decrypt: 120 } });
    expect(c.gauge.max).toBe(decryptConcurrency);
  });

  it('an empty project is {"auths":{}}', async () => {
    const reply = await invoke(h.dockerConfig, routes.getDockerConfigJson, { pathParameters: { project: uniqueProject('empty') } });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"auths":{}}');
  });
});

describe('the audit line', () => {
  it("names the caller's IAM ARN from the request context", async () => {
    const project = uniqueProject('arn');
    const { id } = await add(project, 'reg.example.com');
    const arn = 'arn:aws:sts::123456789012:assumed-role/deployer/ci-run-42';
    expect((await resolve(h.resolve, project, { image: 'reg.example.com/app' }, arn)).status).toBe(200);
    const lines = capturedOutput()
      .split('\n')
      .filter((line) => line.includes('"message":"audit"') && line.includes(project))
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.audit)).toEqual([
      { caller: arn, project, image: 'reg.example.com/app', server: null, registries: ['reg.example.com'], credentialIds: [id], outcome: 'resolved' },
    ]);
    expect(lines[0].level).toBe('INFO');
    expect(lines[0].function_name).toBe('regcred-resolve-registry-auth');
  });

  it('names a console user (Cognito identity id and provider with the user pool sub), the account, org and source IP', async () => {
    const project = uniqueProject('who');
    await add(project, 'reg.example.com');
    const sub = crypto.randomUUID();
    const pool = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
    const event = apiGatewayEvent({ route: routes.resolveRegistryAuth, pathParameters: { project }, query: { image: 'reg.example.com/app' }, apiId: 'test', sourceIp: '203.0.113.7' });
    Object.assign((event.requestContext as unknown as { authorizer: { iam: object } }).authorizer.iam, {
      accountId: '123456789012',
      principalOrgId: 'o-abc123',
      userId: 'AROAEXAMPLE:CognitoIdentityCredentials',
      userArn: 'arn:aws:sts::123456789012:assumed-role/regcred-console/CognitoIdentityCredentials',
      cognitoIdentity: { amr: ['authenticated', pool, `${pool}:CognitoSignIn:${sub}`], identityId: 'eu-west-1:7f3c1a2b-0000-4000-8000-000000000001', identityPoolId: 'eu-west-1:pool' },
    });
    expect((await h.resolve(event, lambdaContext(routes.resolveRegistryAuth, event.requestContext.requestId))).statusCode).toBe(200);
    const [line] = capturedOutput()
      .split('\n')
      .filter((l) => l.includes('"message":"audit"') && l.includes(`"project":"${project}"`))
      .map((l) => JSON.parse(l));
    expect(line.principal).toEqual({
      accountId: '123456789012',
      principalOrgId: 'o-abc123',
      userId: 'AROAEXAMPLE:CognitoIdentityCredentials',
      sourceIp: '203.0.113.7',
      cognitoIdentityId: 'eu-west-1:7f3c1a2b-0000-4000-8000-000000000001',
      cognitoAuthenticationProvider: `${pool},${pool}:CognitoSignIn:${sub}`,
    });
    expect(line.audit.caller).toBe('arn:aws:sts::123456789012:assumed-role/regcred-console/CognitoIdentityCredentials');
  });

  it('is written at every log level: WARN, ERROR and SILENT turn other lines off, never the audit', async () => {
    const project = uniqueProject('lvl');
    await add(project, 'reg.example.com');
    try {
      for (const level of ['WARN', 'ERROR', 'SILENT']) {
        const quiet = await loadHandlers({ POWERTOOLS_LOG_LEVEL: level });
        expect((await resolve(quiet.resolve, project, { image: `reg.example.com/${level.toLowerCase()}` })).status).toBe(200);
        expect((await invoke(quiet.dockerConfig, routes.getDockerConfigJson, { pathParameters: { project } })).status).toBe(200);
      }
    } finally {
      delete process.env['POWERTOOLS_LOG_LEVEL'];
    }
    const lines = capturedOutput()
      .split('\n')
      .filter((line) => line.includes('"message":"audit"') && line.includes(`"project":"${project}"`))
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => [l.route, l.audit.image, l.audit.outcome])).toEqual(
      ['warn', 'error', 'silent'].flatMap((level) => [
        ['resolve-registry-auth', `reg.example.com/${level}`, 'resolved'],
        ['get-dockerconfigjson', null, 'resolved'],
      ]),
    );
  });
});

describe('never a password when something is wrong', () => {
  it("refuses a ciphertext moved onto another record (the encryption context binds it): 503, no password", async () => {
    const project = uniqueProject('swap');
    const victim = await add(project, 'victim.example.com');
    const decoy = await add(project, 'decoy.example.com');
    const key = (id: string) => ({ pk: { S: keyOf.project(project) }, sk: { S: keyOf.credential(id) } });
    const victimItem = (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: key(victim.id), ConsistentRead: true }))).Item!;
    const decoyItem = (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: key(decoy.id), ConsistentRead: true }))).Item!;
    await dynamo.send(new PutItemCommand({ TableName: tableName, Item: { ...decoyItem, ciphertext: victimItem['ciphertext']! } }));

    const reply = await resolve(h.resolve, project, { image: 'decoy.example.com/app' });
    expect(reply.status).toBe(503);
    expect(reply.json.error).toBe('Unavailable');
    expectNoTrackedSecret(reply.text);
    const config = await invoke(h.dockerConfig, routes.getDockerConfigJson, { pathParameters: { project } });
    expect(config.status).toBe(503);
    expectNoTrackedSecret(config.text);
  });

  it('an unreachable key service is a 503 Unavailable, audited as error', async () => {
    const project = uniqueProject('down');
    await add(project, 'reg.example.com');
    const c = counted({ kmsEndpoint: 'http://127.0.0.1:9' });
    const reply = await resolve(c.resolve, project, { image: 'reg.example.com/app' });
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual({ error: 'Unavailable', message: expect.stringContaining('key service') });
    expectNoTrackedSecret(reply.text);
    const audit = capturedOutput()
      .split('\n')
      .filter((line) => line.includes('"message":"audit"') && line.includes(project))
      .map((line) => JSON.parse(line).audit.outcome);
    expect(audit).toEqual(['error']);
  });
});
