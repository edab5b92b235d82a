// How a credential is laid out as a DynamoDB item (keys from contract/table.ts); shared by the write
// side's store and the read side's reader.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { checkStatuses, type CheckStatus, type CredentialView, type StoredCredential } from '../core/credential.ts';
import { keyOf } from '../contract/table.ts';

export type Item = Record<string, AttributeValue>;

const viewAttributes = ['id', 'server', 'registry', 'username', 'email', 'createdAt', 'version', 'updatedAt', 'status', 'checkedAt'] as const;
/** Everything list may read: never the ciphertext. */
export const viewProjection = {
  ProjectionExpression: viewAttributes.map((a) => `#${a}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(viewAttributes.map((a) => [`#${a}`, a])),
};

/** Where a RegistryCredential's owning stack and logical id are kept. */
export const ownerAttributes = { stackId: 'ownerStackId', logicalId: 'ownerLogicalId' } as const;

/** Whether an item was declared by exactly this owner. */
export function ownedBy(item: Item, owner: { stackId: string; logicalId: string }): boolean {
  return item[ownerAttributes.stackId]?.S === owner.stackId && item[ownerAttributes.logicalId]?.S === owner.logicalId;
}

export function credentialKey(project: string, id: string): Item {
  return { pk: s(keyOf.project(project)), sk: s(keyOf.credential(id)) };
}

export function toItem(c: StoredCredential): Item {
  const item: Item = {
    ...credentialKey(c.project, c.id),
    id: s(c.id),
    server: s(c.server),
    registry: s(c.registry),
    createdAt: s(c.createdAt),
    version: n(c.version),
    ciphertext: { B: c.ciphertext },
  };
  if (c.username !== null) item['username'] = s(c.username);
  if (c.email !== null) item['email'] = s(c.email);
  if (c.updatedAt !== null) item['updatedAt'] = s(c.updatedAt);
  if (c.owner) Object.assign(item, { [ownerAttributes.stackId]: s(c.owner.stackId), [ownerAttributes.logicalId]: s(c.owner.logicalId) });
  if (c.status !== null && c.checkedAt !== null) {
    Object.assign(item, { status: s(c.status), checkedAt: s(c.checkedAt), checkedVersion: n(c.version) });
  }
  return item;
}

export function fromItem(item: Item): CredentialView {
  const status = item['status']?.S;
  return {
    id: item['id']?.S ?? '',
    server: item['server']?.S ?? '',
    registry: item['registry']?.S ?? '',
    username: item['username']?.S ?? null,
    email: item['email']?.S ?? null,
    createdAt: item['createdAt']?.S ?? '',
    // Items written before versions existed count as version 1.
    version: versionOf(item),
    updatedAt: item['updatedAt']?.S ?? null,
    status: checkStatuses.includes(status as CheckStatus) ? (status as CheckStatus) : null,
    checkedAt: item['checkedAt']?.S ?? null,
  };
}

export function fromStoredItem(project: string, item: Item): StoredCredential {
  return { ...fromItem(item), project, ciphertext: item['ciphertext']?.B ?? new Uint8Array() };
}

export function versionOf(item: Item): number {
  return Number(item['version']?.N ?? 1);
}

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });
