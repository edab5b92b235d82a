// The IAM evaluator adapter (local/iam/evaluator.ts) on the cases the local stack depends on: a key
// policy that names roles by aws:PrincipalArn and requires the encryption context, an identity
// policy with dynamodb:LeadingKeys, explicit denies, and an action the evaluator has no data for.
// These pin the pinned @cloud-copilot/iam-simulate: an upgrade that changes any of them fails here.
import { describe, expect, it } from 'vitest';
import { evaluateIam, type IamCall } from '../../local/iam/evaluator.ts';

const account = '123456789012';
const role = `arn:aws:iam::${account}:role/Regcred-ResolveRole`;
const other = `arn:aws:iam::${account}:role/Regcred-OtherRole`;
const key = `arn:aws:kms:us-east-1:${account}:key/11111111-2222-3333-4444-555555555555`;
const table = `arn:aws:dynamodb:us-east-1:${account}:table/regcred-credentials`;

const keyPolicy = {
  name: 'key policy',
  document: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DecryptByStackRoles',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': [role] },
          Null: { 'kms:EncryptionContext:project': 'false', 'kms:EncryptionContext:credentialId': 'false' },
        },
      },
    ],
  },
};
const identity = (statement: Record<string, unknown>) => ({ name: 'RolePolicy', document: { Version: '2012-10-17', Statement: [statement] } });
const decryptAnywhere = identity({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' });

const decrypt = (principal: string, context: Record<string, string | string[]>): IamCall => ({
  principal,
  action: 'kms:Decrypt',
  resource: key,
  resourceAccount: account,
  context: { 'aws:PrincipalArn': principal, 'aws:PrincipalAccount': account, ...context },
});
const fullContext = { 'kms:EncryptionContext:project': 'team-a', 'kms:EncryptionContext:credentialId': 'c1', 'kms:EncryptionContextKeys': ['project', 'credentialId'] };

describe('the IAM evaluator adapter', () => {
  it('allows a role the key policy names, with the whole encryption context', async () => {
    expect(await evaluateIam(decrypt(role, fullContext), { identity: [decryptAnywhere], resource: keyPolicy })).toEqual({ allowed: true });
  });

  it('denies the same role without the encryption context (the colon-suffixed context key is read)', async () => {
    const decision = await evaluateIam(decrypt(role, { 'kms:EncryptionContext:project': 'team-a' }), { identity: [decryptAnywhere], resource: keyPolicy });
    expect(decision).toMatchObject({ allowed: false, result: 'ImplicitlyDenied' });
    expect(decision.allowed || decision.why).toMatch(/resource policy \(key policy\)/);
  });

  it('denies a role the key policy does not name, whatever its IAM policy says', async () => {
    const decision = await evaluateIam(decrypt(other, fullContext), { identity: [decryptAnywhere], resource: keyPolicy });
    expect(decision).toMatchObject({ allowed: false, result: 'ImplicitlyDenied' });
  });

  it('denies a role the key policy names when its own policy lacks the action', async () => {
    const decision = await evaluateIam(decrypt(role, fullContext), { identity: [identity({ Effect: 'Allow', Action: 'kms:Encrypt', Resource: key })], resource: keyPolicy });
    expect(decision).toMatchObject({ allowed: false, result: 'ImplicitlyDenied' });
    expect(decision.allowed || decision.why).toMatch(/identity policy/);
  });

  it('evaluates dynamodb:LeadingKeys with ForAllValues', async () => {
    const policy = identity({
      Effect: 'Allow',
      Action: 'dynamodb:Query',
      Resource: table,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['team-a#*'] } },
    });
    const query = (leading: string[]): IamCall => ({ principal: role, action: 'dynamodb:Query', resource: table, resourceAccount: account, context: { 'aws:PrincipalArn': role, 'dynamodb:LeadingKeys': leading } });
    expect(await evaluateIam(query(['team-a#x']), { identity: [policy] })).toEqual({ allowed: true });
    expect(await evaluateIam(query(['team-b#x']), { identity: [policy] })).toMatchObject({ allowed: false });
  });

  it('an explicit Deny wins and is named as such', async () => {
    const deny = identity({ Effect: 'Deny', Action: 'kms:*', Resource: '*' });
    const decision = await evaluateIam(decrypt(role, fullContext), { identity: [decryptAnywhere, deny], resource: keyPolicy });
    expect(decision).toMatchObject({ allowed: false, result: 'ExplicitlyDenied' });
  });

  it('refuses an action it has no data for instead of guessing', async () => {
    const decision = await evaluateIam({ ...decrypt(role, fullContext), action: 'kms:MadeUpAction' }, { identity: [identity({ Effect: 'Allow', Action: '*', Resource: '*' })] });
    expect(decision).toMatchObject({ allowed: false, result: 'Unknown' });
  });
});
