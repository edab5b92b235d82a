// The password key's own policy: the account administers the key but cannot use it; each use
// (Encrypt, Decrypt) is allowed to exactly the roles of the template whose own policies hold that
// kms: action (derived from the template, never a hand-kept list), only with both context keys.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { routeList } from '../../functions/contract/routes.ts';
import { allowKeyUse, keyAdminActions } from '../../infra/constructs/key-policy.ts';
import { encryptionContextRequired } from '../../infra/constructs/route-permissions.ts';
import { logicalId, resources, synthWithoutBundling } from './synth.ts';

type Statement = { Sid?: string; Action: string | string[]; Principal: unknown; Condition?: Record<string, any>; Resource: unknown };

const accountRoot = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };
const contextConditions = { 'ForAllValues:StringEquals': encryptionContextRequired['ForAllValues:StringEquals'], Null: encryptionContextRequired.Null };
const actionsOf = (s: Statement) => [s.Action].flat();
const roleArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const keyPolicyOf = (template: Template) =>
  (Object.values(resources(template)).find((r) => r.Type === 'AWS::KMS::Key')?.Properties['KeyPolicy'].Statement ?? []) as Statement[];

describe('the stack key policy', () => {
  const { stack, template } = synthWithoutBundling();
  const statements = keyPolicyOf(template);
  const roleIdOf = (name: string) => logicalId(stack.api.functions[name]!.role);
  /** Route names whose role policy in the template allows the KMS action. */
  const routesAllowed = (action: string) =>
    routeList
      .map((r) => r.name)
      .filter((name) =>
        Object.values(resources(template)).some(
          (p) =>
            p.Type === 'AWS::IAM::Policy' &&
            JSON.stringify(p.Properties['Roles']) === JSON.stringify([{ Ref: roleIdOf(name) }]) &&
            (p.Properties['PolicyDocument'].Statement as Statement[]).some((s) => actionsOf(s).includes(action)),
        ),
      );

  it('the account keeps administration only: no use of the key, no grants, no kms:*', () => {
    const admin = statements.find((s) => s.Sid === 'KeyAdministration')!;
    expect(admin).toMatchObject({ Principal: accountRoot, Resource: '*' });
    expect(admin.Condition).toBeUndefined();
    expect(actionsOf(admin)).toEqual([...keyAdminActions].sort());
    expect(actionsOf(admin)).toContain('kms:PutKeyPolicy');
    expect(actionsOf(admin).filter((a) => /\*|Encrypt|Decrypt|GenerateDataKey|CreateGrant|Sign|Mac/.test(a))).toEqual([]);
  });

  it('every other statement is one use, for named stack roles, with both context keys required', () => {
    const uses = statements.filter((s) => s.Sid !== 'KeyAdministration');
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) {
      expect(actionsOf(use)).toHaveLength(1);
      expect(['kms:Encrypt', 'kms:Decrypt']).toContain(actionsOf(use)[0]);
      expect(use.Principal).toEqual(accountRoot);
      expect(use.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': expect.any(Array) }, ...contextConditions });
    }
  });

  /** Every role of the template whose attached policies allow the action (on any resource). */
  const rolesHolding = (action: string) =>
    Object.values(resources(template))
      .filter((p) => p.Type === 'AWS::IAM::Policy' && (p.Properties['PolicyDocument'].Statement as Statement[]).some((s) => actionsOf(s).includes(action)))
      .flatMap((p) => (p.Properties['Roles'] as { Ref: string }[]).map((r) => r.Ref))
      .sort();

  it.each(['kms:Encrypt', 'kms:Decrypt'])('%s: exactly the roles of the template whose policies hold it', (action) => {
    const allowed = statements.filter((s) => actionsOf(s).includes(action));
    const principals = allowed.flatMap((s) => s.Condition?.['ArnEquals']['aws:PrincipalArn'] ?? []) as { 'Fn::GetAtt': [string, string] }[];
    expect(principals.map((p) => p['Fn::GetAtt'][0]).sort()).toEqual(rolesHolding(action));
    expect(rolesHolding(action).length).toBeGreaterThan(0);
  });

  it('the workers that use the key are in it: the re-verification worker decrypts, the RegistryCredential provider encrypts', () => {
    expect(rolesHolding('kms:Decrypt')).toContain(logicalId(stack.reverification.worker.role));
    expect(rolesHolding('kms:Encrypt')).toContain(logicalId(stack.credentialProvider.onEvent.role));
  });

  it('add and update may encrypt; only the resolve routes and verify may decrypt', () => {
    expect(routesAllowed('kms:Encrypt').sort()).toEqual(['add-credential', 'update-credential']);
    expect(routesAllowed('kms:Decrypt').sort()).toEqual(['get-dockerconfigjson', 'resolve-registry-auth', 'verify-credential']);
    expect(statements.filter((s) => actionsOf(s).some((a) => /kms:\*|ReEncrypt/.test(a)))).toEqual([]);
  });
});

describe('allowKeyUse', () => {
  function keyWithUsers(users: Record<string, string[]>) {
    const stack = new Stack(new App(), 'KeyPolicy');
    const key = new Key(stack, 'Key');
    const roles = Object.fromEntries(
      Object.entries(users).map(([name, actions]) => {
        const role = new Role(stack, name, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
        return [name, { role, statements: [new PolicyStatement({ actions, resources: [key.keyArn], conditions: encryptionContextRequired })] }];
      }),
    );
    allowKeyUse(key, Object.values(roles));
    return { stack, statements: keyPolicyOf(Template.fromStack(stack)) };
  }

  it('a role that asks for kms:Decrypt gets a Decrypt statement with both context keys; writers only Encrypt', () => {
    const { stack, statements } = keyWithUsers({ Resolver: ['kms:Decrypt'], Bundler: ['kms:Decrypt'], Writer: ['kms:Encrypt'], Lister: [] });
    const byId = (id: string) => roleArn(stack.getLogicalId(stack.node.findChild(id).node.defaultChild as never));
    expect(statements.filter((s) => s.Sid?.endsWith('ByStackRoles'))).toEqual([
      {
        Sid: 'DecryptByStackRoles',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Principal: accountRoot,
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': [byId('Resolver'), byId('Bundler')] }, ...contextConditions },
      },
      {
        Sid: 'EncryptByStackRoles',
        Effect: 'Allow',
        Action: 'kms:Encrypt',
        Principal: accountRoot,
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': [byId('Writer')] }, ...contextConditions },
      },
    ]);
  });

  it('refuses any other KMS action, so a new use of the key is a deliberate change', () => {
    for (const action of ['kms:*', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:CreateGrant']) {
      expect(() => keyWithUsers({ Odd: [action] })).toThrow(/not a use of the password key/);
    }
  });
});
