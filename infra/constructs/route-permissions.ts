import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Route } from '../../functions/contract/routes.ts';

/** Encryption-context keys that every password encryption must carry (see core/credential.ts). */
export const encryptionContextKeys = ['project', 'credentialId'] as const;

/** IAM conditions that let a KMS call through only with exactly these context keys, both present. */
export const encryptionContextRequired = {
  // ForAllValues alone also passes an empty context; the Null checks make both keys mandatory.
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...encryptionContextKeys] },
  Null: Object.fromEntries(encryptionContextKeys.map((k) => [`kms:EncryptionContext:${k}`, 'false'])),
};

/**
 * Exactly what each handler calls, read from the adapters (dynamodb-credential-store.ts and
 * -reader.ts, kms-password-encryptor.ts and -decryptor.ts). Each TransactWriteItems element is
 * authorised as its single-item action. Only the resolve-capability functions and verify may Decrypt.
 */
export function routePermissions(route: Route['name'], table: ITable, key: IKey): PolicyStatement[] {
  switch (route) {
    case 'add-credential':
      return [
        // Two conditional Puts in one transaction; GetItem reads the registry guard on a conflict;
        // UpdateItem counts a check (?verify=true) against the project's limit for the host.
        new PolicyStatement({ actions: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [table.tableArn] }),
        onKey('kms:Encrypt', key),
      ];
    case 'update-credential':
      // One conditional UpdateItem; a new password is encrypted first. Never Decrypt.
      return [new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }), onKey('kms:Encrypt', key)];
    case 'verify-credential':
      // UpdateItem claims the check (returning the item) and records its result; Decrypt for the login.
      return [new PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [table.tableArn] }), onKey('kms:Decrypt', key)];
    case 'list-credentials':
      return [new PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn] })];
    case 'delete-credential':
      // GetItem finds the credential's registry; two conditional Deletes remove it and its guard.
      return [new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'], resources: [table.tableArn] })];
    case 'resolve-registry-auth':
      // BatchGetItem reads the candidate registry guards, GetItem the matching credential, Query
      // (keys only, one item) whether paths on the host hold credentials.
      return [
        new PolicyStatement({ actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn] }),
        onKey('kms:Decrypt', key),
      ];
    case 'get-dockerconfigjson':
      return [new PolicyStatement({ actions: ['dynamodb:Query'], resources: [table.tableArn] }), onKey('kms:Decrypt', key)];
  }
}

/** One KMS action on the key, only with both encryption-context keys. */
function onKey(action: 'kms:Encrypt' | 'kms:Decrypt', key: IKey): PolicyStatement {
  return new PolicyStatement({ actions: [action], resources: [key.keyArn], conditions: encryptionContextRequired });
}
