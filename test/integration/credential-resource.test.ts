// The RegistryCredential provider's onEvent handler, driven with CloudFormation's own request
// documents (Create, Update, Update with a new server, Delete, Delete of a missing credential)
// against the run's DynamoDB Local and local KMS, through the real store and encryptor. The
// password's Secrets Manager read is a port: there is no local Secrets Manager, so this test's
// adapter is an in-memory secret source (the production adapter is a GetSecretValue call).
// The provider is an authorisation point: grants, secret names, ownership and the audit line.
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCredentialStore } from '../../functions/adapters/dynamodb-credential-store.ts';
import { KmsPasswordEncryptor } from '../../functions/adapters/kms-password-encryptor.ts';
import { HttpsRegistryVerifier } from '../../functions/adapters/https-registry-verifier.ts';
import { credentialResourceType } from '../../functions/contract/credential-resource.ts';
import { routes } from '../../functions/contract/routes.ts';
import { newCredentialId } from '../../functions/core/ids.ts';
import type { SecretSource } from '../../functions/core/ports.ts';
import { credentialResourceHandler } from '../../functions/workers/credential-resource.ts';
import { invoke, loadHandlers, uniqueProject, type Handlers } from '../support/handlers.ts';
import { capturedOutput, expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';
import type { StackGrant } from '../../functions/core/stack-grants.ts';

const account = '111111111111';
const serviceToken = `arn:aws:lambda:us-east-1:${account}:function:Regcred-CredentialProviderframeworkonEvent-AbC123`;
const teamStack = `arn:aws:cloudformation:us-east-1:${account}:stack/team-app/4b1b4a10-0000-11ef-9f0a-0a1b2c3d4e5f`;
const secretArn = (name: string) => `arn:aws:secretsmanager:us-east-1:${account}:secret:regcred/${name}-a1B2c3`;
/** The grants file's `stacks`, as the provider gets them; each test adds its own projects. */
const stackGrants: StackGrant[] = [];
const grant = (project: string, stack = teamStack) => (stackGrants.push({ project, stack }), project);
const secrets = new Map<string, string>();
const secretSource: SecretSource = {
  async read(id) {
    const value = secrets.get(id);
    if (value === undefined) throw new Error(`Could not read secret ${id} (ResourceNotFoundException)`);
    return value;
  },
};

let h: Handlers;
let onEvent: ReturnType<typeof credentialResourceHandler>;
beforeAll(async () => {
  h = await loadHandlers();
  onEvent = credentialResourceHandler({
    store: DynamoDbCredentialStore.fromEnv(),
    encryptor: KmsPasswordEncryptor.fromEnv(),
    verifier: HttpsRegistryVerifier.fromEnv(),
    secrets: secretSource,
    clock: { now: () => new Date() },
    newId: newCredentialId,
    stackGrants,
  });
});

type Props = Record<string, string>;

/** A request document as CloudFormation sends it to the provider framework (ServiceToken included in the properties). */
function request(
  type: 'Create' | 'Update' | 'Delete',
  props: Props,
  extra: { physicalId?: string; old?: Props; stackId?: string; logicalId?: string } = {},
): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: serviceToken,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A111111111111%3Astack/team-app/1/DockerHub?X-Amz-Signature=x',
    StackId: extra.stackId ?? teamStack,
    RequestId: crypto.randomUUID(),
    LogicalResourceId: extra.logicalId ?? 'DockerHub',
    ResourceType: credentialResourceType,
    ResourceProperties: { ServiceToken: serviceToken, ...props },
    ...(extra.physicalId !== undefined && { PhysicalResourceId: extra.physicalId }),
    ...(extra.old && { OldResourceProperties: { ServiceToken: serviceToken, ...extra.old } }),
  } as CloudFormationCustomResourceEvent;
}

async function resolvedPassword(project: string, server: string): Promise<{ id: string; password: string; email: string | null } | number> {
  const reply = await invoke(h.resolve, routes.resolveRegistryAuth, { pathParameters: { project }, query: { server } });
  if (reply.status !== 200) return reply.status;
  return { id: reply.json.credentialId, password: reply.json.password, email: reply.json.email };
}

/** A secret named regcred/<name>-...: name it `<project>/<what>` to be one of the project's. */
function newSecret(name: string, username = 'ci-bot'): { arn: string; password: string } {
  const password = trackCredential(username, `cfn-${name.replaceAll('/', '-')}-${crypto.randomUUID()}`);
  const arn = secretArn(`${name}-${crypto.randomUUID().slice(0, 6)}`);
  secrets.set(arn, password);
  return { arn, password };
}

describe('RegistryCredential provider (onEvent) with CloudFormation request documents', () => {
  it('Create adds, Update rotates in place, Update with a new server replaces, Delete deletes, a missing one is fine', async () => {
    const project = grant(uniqueProject('cfn'));
    const first = newSecret(`${project}/hub`);
    const props: Props = { Project: project, Server: 'https://index.docker.io/v1/', Username: 'ci-bot', PasswordSecretArn: first.arn };

    const created = await onEvent(request('Create', props));
    expect(created).toEqual({
      PhysicalResourceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Data: { CredentialId: created.PhysicalResourceId, Registry: 'docker.io', Version: '1' },
    });
    const id = created.PhysicalResourceId;
    expect(await resolvedPassword(project, 'docker.io')).toEqual({ id, password: first.password, email: null });

    // A second Create for the same registry (another stack, or a retried deployment) fails naming the owner.
    await expect(onEvent(request('Create', props))).rejects.toThrow(new RegExp(`^Create DockerHub failed: .*already exists.*\\(id ${id}\\)`));

    // Only the email changed: same physical id, new version, password untouched.
    const emailed = { ...props, Email: 'ci@example.com' };
    expect(await onEvent(request('Update', emailed, { physicalId: id, old: props }))).toEqual({
      PhysicalResourceId: id,
      Data: { CredentialId: id, Registry: 'docker.io', Version: '2' },
    });
    expect(await resolvedPassword(project, 'docker.io')).toEqual({ id, password: first.password, email: 'ci@example.com' });

    // passwordVersion bumped after the secret rotated: the new value is read and stored in place.
    const rotatedPassword = trackCredential('ci-bot', `cfn-rotated-${crypto.randomUUID()}`);
    secrets.set(first.arn, JSON.stringify({ username: 'ci-bot', password: rotatedPassword }));
    const rotated = { ...emailed, PasswordVersion: '2' };
    expect(await onEvent(request('Update', rotated, { physicalId: id, old: emailed }))).toMatchObject({ PhysicalResourceId: id, Data: { Version: '3' } });
    expect(await resolvedPassword(project, 'docker.io')).toEqual({ id, password: rotatedPassword, email: 'ci@example.com' });

    // A new server: a new credential (new physical id); CloudFormation then deletes the old id with the old properties.
    const moved = { ...rotated, Server: 'ghcr.io' };
    const replaced = await onEvent(request('Update', moved, { physicalId: id, old: rotated }));
    expect(replaced.PhysicalResourceId).not.toBe(id);
    expect(replaced.Data).toEqual({ CredentialId: replaced.PhysicalResourceId, Registry: 'ghcr.io', Version: '1' });
    expect(await resolvedPassword(project, 'ghcr.io')).toEqual({ id: replaced.PhysicalResourceId, password: rotatedPassword, email: 'ci@example.com' });
    expect(await onEvent(request('Delete', rotated, { physicalId: id }))).toEqual({ PhysicalResourceId: id });
    expect(await resolvedPassword(project, 'docker.io')).toBe(404);

    // Delete of a credential already gone (deleted by hand, or a repeated Delete) succeeds.
    expect(await onEvent(request('Delete', rotated, { physicalId: id }))).toEqual({ PhysicalResourceId: id });
    expect(await onEvent(request('Delete', moved, { physicalId: replaced.PhysicalResourceId }))).toEqual({ PhysicalResourceId: replaced.PhysicalResourceId });
    expect(await resolvedPassword(project, 'ghcr.io')).toBe(404);
  });

  it('fails with messages that name the property or the secret, never a password', async () => {
    const project = grant(uniqueProject('cfn'));
    const secret = newSecret(`${project}/bad`);
    const messages: string[] = [];
    const failure = async (event: CloudFormationCustomResourceEvent) => {
      const error = await onEvent(event).then(() => undefined, (e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      messages.push(error!.message);
      return error!.message;
    };
    expect(await failure(request('Create', { Project: 'Not A Label', Server: 'ghcr.io', PasswordSecretArn: secret.arn }))).toMatch(/^Create DockerHub failed: Invalid ResourceProperties: Project must be a DNS label/);
    expect(await failure(request('Create', { Project: project, Server: 'ghcr.io' }))).toMatch(/PasswordSecretArn/);
    expect(await failure(request('Create', { Project: project, Server: 'ghcr.io', PasswordSecretArn: secretArn(`${project}/absent`) }))).toMatch(/Could not read secret .*regcred\/cfn-.*\/absent/);
    secrets.set(secret.arn, JSON.stringify({ token: secret.password }));
    expect(await failure(request('Create', { Project: project, Server: 'ghcr.io', PasswordSecretArn: secret.arn }))).toMatch(/without a string "password" key/);
    secrets.set(secret.arn, secret.password);
    expect(await failure(request('Create', { Project: project, Server: 'https://', PasswordSecretArn: secret.arn }))).toMatch(/^Create DockerHub failed: Invalid ResourceProperties: Server /);
    // The API's own field rules: username without ":", email, password size, Google keys.
    const props = { Project: project, Server: 'ghcr.io', PasswordSecretArn: secret.arn };
    expect(await failure(request('Create', { ...props, Username: 'ci:bot' }))).toMatch(/Invalid ResourceProperties: Username must not contain ":"/);
    expect(await failure(request('Create', { ...props, Email: 'not-an-email' }))).toMatch(/Invalid ResourceProperties: Email must be an email address/);
    secrets.set(secret.arn, trackCredential('ci-bot', `cfn-long-${'x'.repeat(4100)}`));
    expect(await failure(request('Create', props))).toMatch(/PasswordSecretArn \(the secret's password\) must be at most 4096 UTF-8 bytes/);
    secrets.set(secret.arn, secret.password);
    expect(await failure(request('Create', { ...props, Username: '_json_key' }))).toMatch(/PasswordSecretArn \(the secret's password\) must be a Google service-account key JSON/);
    expect(await resolvedPassword(project, 'ghcr.io')).toBe(404);
    expectNoTrackedSecret(messages.join('\n'), 'provider failure messages');
  });
});

describe('the provider is an authorisation point', () => {
  const otherStack = `arn:aws:cloudformation:us-east-1:${account}:stack/team-b-app/0c3d2e10-0000-11ef-9f0a-0a1b2c3d4e5f`;
  const auditLines = (stackId: string) =>
    capturedOutput()
      .split('\n')
      .filter((line) => line.includes('"message":"audit"') && line.includes(stackId))
      .map((line) => JSON.parse(line));

  it('refuses a stack without a grant for the project and a secret of another project; nothing is stored', async () => {
    const mine = grant(uniqueProject('cfn-a'));
    const theirs = grant(uniqueProject('cfn-b'), otherStack);
    const theirSecret = newSecret(`${theirs}/hub`);
    const theirCredential = await onEvent(request('Create', { Project: theirs, Server: 'ghcr.io', PasswordSecretArn: theirSecret.arn }, { stackId: otherStack }));

    // Team A's stack declares a credential in team B's project, and one in its own project from team B's secret.
    const intoTheirs = await onEvent(request('Create', { Project: theirs, Server: 'ghcr.io', PasswordSecretArn: newSecret(`${mine}/x`).arn })).catch((e: Error) => e.message);
    expect(intoTheirs).toMatch(new RegExp(`^Create DockerHub failed: stack ${teamStack} may not declare credentials in project ${theirs} \\(no grant`));
    expect(intoTheirs).not.toContain(theirCredential.PhysicalResourceId);
    const copied = await onEvent(request('Create', { Project: mine, Server: 'docker.io', PasswordSecretArn: theirSecret.arn })).catch((e: Error) => e.message);
    expect(copied).toMatch(new RegExp(`PasswordSecretArn must name a secret called regcred/${mine}/`));
    expect(await resolvedPassword(mine, 'docker.io')).toBe(404);
    // A StackId of another account, even with the same stack name, matches no grant by StackId.
    const elsewhere = teamStack.replace(account, '999999999999');
    expect(await onEvent(request('Create', { Project: mine, Server: 'docker.io', PasswordSecretArn: newSecret(`${mine}/y`).arn }, { stackId: elsewhere })).catch((e: Error) => e.message)).toMatch(/may not declare/);
    expect(await resolvedPassword(mine, 'docker.io')).toBe(404);
  });

  it('Update and Delete act only on credentials this stack and resource declared', async () => {
    const project = grant(grant(uniqueProject('cfn-own')), otherStack);
    const secret = newSecret(`${project}/hub`);
    const props: Props = { Project: project, Server: 'ghcr.io', Username: 'ci-bot', PasswordSecretArn: secret.arn };
    const { PhysicalResourceId: id } = await onEvent(request('Create', props, { stackId: otherStack, logicalId: 'Hub' }));
    const viaApi = await invoke(h.add, routes.addCredential, {
      pathParameters: { project },
      body: { server: 'quay.io', username: 'robot', password: trackCredential('robot', `api-${crypto.randomUUID()}`) },
    });
    expect(viaApi.status).toBe(201);

    // Another stack granted the same project, or the same stack through another resource: refused, nothing changes.
    for (const [physicalId, extra] of [
      [id, {}],
      [id, { stackId: otherStack, logicalId: 'Other' }],
      [viaApi.json.id as string, {}],
    ] as const) {
      const deleted = await onEvent(request('Delete', props, { physicalId, ...extra })).catch((e: Error) => e.message);
      expect(deleted).toMatch(new RegExp(`^Delete \\w+ failed: Credential ${physicalId} was not declared by this stack and resource; nothing was changed\\.$`));
      const updated = await onEvent(request('Update', { ...props, Email: 'x@example.com' }, { physicalId, old: props, ...extra })).catch((e: Error) => e.message);
      expect(updated).toMatch(/was not declared by this stack and resource/);
    }
    expect(await resolvedPassword(project, 'ghcr.io')).toEqual({ id, password: secret.password, email: null });
    expect(await resolvedPassword(project, 'quay.io')).toMatchObject({ id: viaApi.json.id, email: null });

    // The owner may.
    expect(await onEvent(request('Update', { ...props, Email: 'ci@example.com' }, { physicalId: id, old: props, stackId: otherStack, logicalId: 'Hub' }))).toMatchObject({ PhysicalResourceId: id });
    expect(await onEvent(request('Delete', props, { physicalId: id, stackId: otherStack, logicalId: 'Hub' }))).toEqual({ PhysicalResourceId: id });
    expect(await resolvedPassword(project, 'ghcr.io')).toBe(404);

    // Every event wrote one audit line naming the stack as the caller, at every log level; never a password.
    const lines = auditLines(otherStack).filter((l) => l.audit.project === project);
    expect(lines.map((l) => [l.method, l.audit.logicalId, l.audit.outcome])).toEqual([
      ['Create', 'Hub', 'created'],
      ['Delete', 'Other', 'refused'],
      ['Update', 'Other', 'refused'],
      ['Update', 'Hub', 'updated'],
      ['Delete', 'Hub', 'deleted'],
    ]);
    expect(lines[0].audit).toEqual({ caller: otherStack, logicalId: 'Hub', project, server: 'ghcr.io', registries: ['ghcr.io'], credentialIds: [id], outcome: 'created' });
    expect(auditLines(teamStack).filter((l) => l.audit.project === project).map((l) => l.audit.outcome)).toEqual(Array(4).fill('refused'));
    expectNoTrackedSecret(capturedOutput(), 'audit lines');
  });
});
