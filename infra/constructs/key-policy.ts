import { AccountRootPrincipal, Policy, PolicyStatement, Role, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { encryptionContextRequired } from './route-permissions.ts';

/**
 * What the account keeps: managing the key, never using it. kms:PutKeyPolicy must stay, or the key
 * becomes unmanageable (AWS's key policy lockout); kms:CreateGrant is left out because a grant
 * would let an IAM principal decrypt around this policy's conditions.
 */
export const keyAdminActions = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** The only uses of the key a role can be given; both need the full encryption context. */
const keyUseActions = ['kms:Encrypt', 'kms:Decrypt'];

export function keyAdministration(): PolicyStatement {
  return new PolicyStatement({ sid: 'KeyAdministration', principals: [new AccountRootPrincipal()], actions: keyAdminActions, resources: ['*'] });
}

export interface KeyUser {
  readonly role: IRole;
  /** The role's own statements; their kms: actions are the ones the key policy allows it. */
  readonly statements: readonly PolicyStatement[];
}

/**
 * Mirrors the users' KMS actions into the key policy: each action is allowed only to the roles whose
 * statements ask for it, and only with both encryption-context keys, so a principal with IAM
 * kms:Decrypt on `*` still cannot decrypt. The principal is the account restricted by
 * aws:PrincipalArn, not the role itself: KMS rejects a policy naming a role it cannot see yet (new in
 * the same deployment), and a role recreated under the same name keeps working.
 */
export function allowKeyUse(key: Key, users: readonly KeyUser[]): void {
  const rolesByAction = new Map<string, IRole[]>();
  for (const { role, statements } of users) {
    for (const action of statements.flatMap((s) => s.actions).filter((a) => a.startsWith('kms:'))) {
      if (!keyUseActions.includes(action)) throw new Error(`${action} is not a use of the password key (allowed: ${keyUseActions.join(', ')})`);
      rolesByAction.set(action, [...new Set([...(rolesByAction.get(action) ?? []), role])]);
    }
  }
  for (const [action, roles] of rolesByAction) {
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: `${action.slice('kms:'.length)}ByStackRoles`,
        principals: [new AccountRootPrincipal()],
        actions: [action],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': roles.map((r) => r.roleArn) }, ...encryptionContextRequired },
      }),
    );
  }
}

/**
 * Every role under `scope` that holds a kms: statement, with those statements: the API routes, the
 * re-verification worker, the RegistryCredential provider, and whatever a later construct adds. The
 * key policy is made from this, so a role that is given a use of the key in IAM is never left out
 * of the key policy (KMS would deny it, whatever IAM says).
 */
export function keyUsersIn(scope: IConstruct): KeyUser[] {
  const users: KeyUser[] = [];
  for (const role of scope.node.findAll().filter((c): c is Role => c instanceof Role)) {
    const statements = role.node
      .findAll()
      .filter((c): c is Policy => c instanceof Policy)
      .flatMap((policy) => (policy.document.toJSON()?.Statement ?? []) as { Action?: string | string[]; NotAction?: unknown }[])
      .filter((s) => {
        // A use of the key granted by NotAction or a bare * would escape this list: refuse it outright.
        if (s.NotAction !== undefined || [s.Action ?? []].flat().includes('*')) throw new Error(`role ${role.node.path} has a statement with NotAction or Action *: name the actions`);
        return [s.Action ?? []].flat().some((a) => a.startsWith('kms:'));
      })
      .map((s) => PolicyStatement.fromJson(s));
    if (statements.length > 0) users.push({ role, statements });
  }
  return users;
}
