// The local stack enforces what AWS enforces, and the enforcement can fail: a stack started from the
// synthesised template with the old key policy (the re-verification worker and the RegistryCredential
// provider left out) and one statement removed from a route's role sees exactly those calls denied
// as AWS denies them (AccessDeniedException, the role, action, resource and policy in the log), while
// the routes left alone keep working. The same stack, made with a grants file, enforces the API's
// AWS_IAM authorisation: a grant principal's keys reach exactly its capabilities' routes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { fromIni } from '@aws-sdk/credential-providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNames } from '../../functions/contract/config.ts';
import { expandPath, routes } from '../../functions/contract/routes.ts';
import { localCredentials } from '../../local/sigv4-verifier.ts';
import { startLocalStack, type LocalStack } from '../../local/stack.ts';
import type { Template } from '../../local/template/synth.ts';
import { signRequest } from '../../cli/sigv4.ts';
import { logicalId, synthWithoutBundling } from '../infra/synth.ts';
import { freePort } from '../support/registry.ts';
import { trackSecret } from '../support/secret-audit.ts';

const { stack: app } = synthWithoutBundling();
const ids = {
  listRole: logicalId(app.api.functions[routes.listCredentials.name]!.role),
  workerRole: logicalId(app.reverification.worker.role),
  providerRole: logicalId(app.credentialProvider.onEvent.role),
  provider: logicalId(app.credentialProvider.onEvent.function),
};

const deleteFunction = logicalId(app.api.functions[routes.deleteCredential.name]!.function);

/**
 * The key policy as it was before the fix: only the API routes' roles. List's role loses
 * dynamodb:Query, and the delete function loses the table-name variable its code reads.
 */
function breakTemplate(template: Template): Template {
  delete template.Resources[deleteFunction]!.Properties!['Environment'].Variables[envNames.tableName];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type === 'AWS::KMS::Key') {
      for (const statement of resource.Properties!['KeyPolicy'].Statement) {
        const arns = statement.Condition?.ArnEquals?.['aws:PrincipalArn'];
        if (arns) statement.Condition.ArnEquals['aws:PrincipalArn'] = arns.filter((a: any) => ![ids.workerRole, ids.providerRole].includes(a['Fn::GetAtt']?.[0]));
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties!['Roles']) === JSON.stringify([{ Ref: ids.listRole }])) {
      resource.Properties!['PolicyDocument'].Statement = resource.Properties!['PolicyDocument'].Statement.filter((s: any) => ![s.Action].flat().includes('dynamodb:Query'));
    }
  }
  return template;
}

let stack: LocalStack;
let home: string;
const log: string[] = [];
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'regcred-enforced-'));
  stack = await startLocalStack({ home, port: 0, offline: true, context: { 'regcred:grantsFile': 'test/fixtures/grants-local.json' }, transformTemplate: breakTemplate, log: (line) => log.push(line) });
}, 300_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
});

const api = (path: string, init: RequestInit = {}) => fetch(`${stack.apiUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
const denials = (action: string, roleId: string) => log.filter((l) => l.includes('AccessDenied') && l.includes(action) && l.includes(roleId));

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a stack whose template lacks statements', () => {
  it('denies list its Query (AccessDenied logged with role, action, table and policy) while add still works', async () => {
    const added = await api(expandPath(routes.addCredential.path, { project: 'team-a' }), {
      method: 'POST',
      body: JSON.stringify({ server: `localhost:${await freePort()}`, username: 'u', password: trackSecret(`enf-${crypto.randomUUID()}`) }),
    });
    expect(added.status).toBe(201);
    const listed = await api(expandPath(routes.listCredentials.path, { project: 'team-a' }));
    // The handler reports the refused DynamoDB call as "nothing was changed, try again": its 503.
    expect(listed.status).toBe(503);
    const [line] = denials('dynamodb:Query', ids.listRole);
    expect(line).toMatch(/may not dynamodb:Query on arn:aws:dynamodb:us-east-1:000000000000:table\/regcred-credentials: no statement allows it \(identity policies: /);
  });

  it('a function whose template lacks a variable its code reads fails as in Lambda: API Gateway answers 500', async () => {
    const reply = await api(expandPath(routes.deleteCredential.path, { project: 'team-a', id: crypto.randomUUID() }), { method: 'DELETE' });
    expect(reply.status).toBe(500);
    expect(await reply.json()).toEqual({ message: 'Internal Server Error' });
    expect(log.some((l) => l.includes(`Regcred-${deleteFunction}`) && l.includes(envNames.tableName))).toBe(true);
  });

  it('with the old key policy, the re-verification worker is denied kms:Decrypt by the key policy, and the credential stays unchecked', async () => {
    const added = await api(expandPath(routes.addCredential.path, { project: 'team-b' }), {
      method: 'POST',
      body: JSON.stringify({ server: `localhost:${await freePort()}`, username: 'u', password: trackSecret(`enf-${crypto.randomUUID()}`) }),
    });
    expect(added.status).toBe(201);
    // The Credential Added rule queues the check; the worker's Decrypt is refused by the key policy.
    const [line] = await waitFor(async () => (denials('kms:Decrypt', ids.workerRole).length > 0 ? denials('kms:Decrypt', ids.workerRole) : undefined));
    expect(line).toMatch(/no statement of the resource policy \(key policy of \w+\) allows it \(the role's identity policies do\)/);
  });

  it('with the old key policy, a RegistryCredential Create is refused with AccessDeniedException for kms:Encrypt', async () => {
    const config = { endpoint: stack.awsEndpoint, region: stack.region, credentials: localCredentials };
    const secrets = new SecretsManagerClient(config);
    const password = trackSecret(`enf-${crypto.randomUUID()}`);
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `regcred/team-c/hub-${crypto.randomUUID().slice(0, 8)}`, SecretString: password }));
    const lambda = new LambdaClient(config);
    const event = {
      RequestType: 'Create',
      StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/team-c-app/1',
      RequestId: crypto.randomUUID(),
      LogicalResourceId: 'Hub',
      ResourceType: 'Custom::RegistryCredential',
      ResponseURL: 'https://example.invalid/response',
      ResourceProperties: { ServiceToken: 'local', Project: 'team-c', Server: 'docker.io', Username: 'ci-bot', PasswordSecretArn: ARN },
    };
    const out = await lambda.send(new InvokeCommand({ FunctionName: `Regcred-${ids.provider}`, Payload: Buffer.from(JSON.stringify(event)) }));
    expect(out.FunctionError).toBe('Unhandled');
    expect(Buffer.from(out.Payload!).toString()).not.toContain(password);
    expect(denials('kms:Encrypt', ids.providerRole)).toHaveLength(1);
    secrets.destroy();
    lambda.destroy();
  });
});

describe("the API's AWS_IAM authorisation, from the grants file the template was made with", () => {
  /** A GET signed with a profile of the stack's credentials file, as the CLI signs. */
  const signedGet = async (profileName: string, path: string) => {
    const credentials = await fromIni({ profile: profileName, filepath: stack.credentialsFile, configFilepath: join(home, 'no-config') })();
    const url = new URL(`${stack.apiUrl}${path}`);
    const { host: _host, ...headers } = await signRequest({ method: 'GET', url, headers: {} }, { region: stack.region, credentials });
    const response = await fetch(url, { headers });
    return { status: response.status, json: (await response.json()) as unknown };
  };

  it('writes a 0600 credentials file with a profile per grant principal', () => {
    const text = readFileSync(stack.credentialsFile, 'utf8');
    expect(text).toMatch(/\[ci-reader\]/);
    expect(text).toMatch(/\[node-puller\]/);
  });

  it("a read grant lists its project, and is refused another project and the resolve routes, as API Gateway refuses", async () => {
    expect((await signedGet('ci-reader', expandPath(routes.listCredentials.path, { project: 'team-a' }))).status).not.toBe(403);
    for (const path of [expandPath(routes.listCredentials.path, { project: 'team-b' }), `${expandPath(routes.resolveRegistryAuth.path, { project: 'team-a' })}?server=docker.io`]) {
      const refused = await signedGet('ci-reader', path);
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ message: expect.stringMatching(/^User: arn:aws:sts::000000000000:assumed-role\/ci-reader\/.* is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:local\/\$default\/GET\//) });
    }
  });

  it('a resolve grant resolves, and may not list', async () => {
    expect((await signedGet('node-puller', `${expandPath(routes.resolveRegistryAuth.path, { project: 'team-a' })}?server=docker.io`)).status).toBe(404);
    expect((await signedGet('node-puller', expandPath(routes.listCredentials.path, { project: 'team-a' }))).status).toBe(403);
  });
});
