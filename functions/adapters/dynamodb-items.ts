// Reading a credential item; shared by the write side's store and the read side's reader.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { CredentialView, StoredCredential } from '../core/credential.ts';

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });

export function fromItem(item: Item): CredentialView {
  return {
    id: item['id']?.S ?? '',
    server: item['server']?.S ?? '',
    registry: item['registry']?.S ?? '',
    username: item['username']?.S ?? null,
    email: item['email']?.S ?? null,
    createdAt: item['createdAt']?.S ?? '',
  };
}

export function fromStoredItem(project: string, item: Item): StoredCredential {
  return { ...fromItem(item), project, ciphertext: item['ciphertext']?.B ?? new Uint8Array() };
}
