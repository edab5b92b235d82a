// Local credentials for every principal of the template: each role the template creates (the
// functions' roles, the schedule's role...) and each grant principal of regcred.grants.json. Keys
// derive from a random secret kept 0600 in the local home, so they survive a restart but differ
// between homes. The local administrator (localCredentials) stands for the account's own admin:
// what seeds tables and keys, and what the tests use to look behind the API.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedPolicy } from './evaluator.ts';
import { localCaller, type IamCaller } from '../lambda-event.ts';
import { localAdministrator, type IdentityLookup, type SigningIdentity } from '../sigv4-verifier.ts';

export type LocalPrincipal =
  | { readonly kind: 'administrator'; readonly caller: IamCaller }
  | {
      readonly kind: 'role';
      /** The role's ARN: aws:PrincipalArn. */
      readonly roleArn: string;
      /** The session's ARN, as AWS names the caller in an AccessDenied message. */
      readonly sessionArn: string;
      readonly account: string;
      readonly policies: readonly NamedPolicy[];
      readonly permissionBoundary?: NamedPolicy | undefined;
      readonly caller: IamCaller;
    };

export interface RolePrincipalInput {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly policies: readonly NamedPolicy[];
  readonly permissionBoundary?: NamedPolicy | undefined;
}

export interface LocalKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** A role ARN's account and name (the name without its path): `arn:aws:iam::<account>:role/<path/><name>`. */
export function roleArnParts(arn: string): { account: string; roleName: string } {
  const [, , , , account = '', resource = ''] = arn.split(':');
  return { account, roleName: resource.replace(/^role\/(.*\/)?/, '') };
}

export class PrincipalDirectory {
  private readonly secret: Buffer;
  private readonly byKey = new Map<string, { principal: LocalPrincipal; secretAccessKey: string }>();
  private readonly keysByRole = new Map<string, LocalKeys>();

  constructor(home: string) {
    const file = join(home, 'iam-secret');
    if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
    chmodSync(file, 0o600);
    this.secret = Buffer.from(readFileSync(file, 'utf8'), 'base64');
  }

  /** Adds a role session and returns its keys (one set per role ARN). */
  addRole(input: RolePrincipalInput): LocalKeys {
    const known = this.keysByRole.get(input.roleArn);
    if (known) return known;
    const digest = createHmac('sha256', this.secret).update(input.roleArn).digest();
    // DynamoDB Local accepts only letters and digits in access key ids.
    const keys = { accessKeyId: `ASIALOCAL${digest.subarray(0, 8).toString('hex').toUpperCase()}`, secretAccessKey: digest.subarray(8).toString('base64url') };
    const { account, roleName } = roleArnParts(input.roleArn);
    const sessionArn = `arn:aws:sts::${account}:assumed-role/${roleName}/${input.sessionName}`;
    const caller: IamCaller = { accessKey: keys.accessKeyId, accountId: account, userArn: sessionArn, userId: `AROALOCAL${digest.subarray(0, 6).toString('hex').toUpperCase()}:${input.sessionName}` };
    const principal: LocalPrincipal = { kind: 'role', roleArn: input.roleArn, sessionArn, account, policies: input.policies, permissionBoundary: input.permissionBoundary, caller };
    this.byKey.set(keys.accessKeyId, { principal, secretAccessKey: keys.secretAccessKey });
    this.keysByRole.set(input.roleArn, keys);
    return keys;
  }

  keysOf(roleArn: string): LocalKeys | undefined {
    return this.keysByRole.get(roleArn);
  }

  principal(accessKeyId: string): LocalPrincipal | undefined {
    if (localAdministrator(accessKeyId)) return { kind: 'administrator', caller: localCaller };
    return this.byKey.get(accessKeyId)?.principal;
  }

  /** For the SigV4 verifiers: every role's keys and the administrator's. */
  readonly identities: IdentityLookup = (accessKeyId): SigningIdentity | undefined => {
    const admin = localAdministrator(accessKeyId);
    if (admin) return admin;
    const entry = this.byKey.get(accessKeyId);
    return entry && { secretAccessKey: entry.secretAccessKey, caller: entry.principal.caller };
  };
}
