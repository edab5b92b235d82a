// The one conditional UpdateItem of an update: every change, the version bump and the checks.
import type { CredentialChanges } from '../core/ports.ts';
import type { ResourceOwner } from '../core/stack-grants.ts';
import { n, ownerAttributes, s, type Item } from './dynamodb-items.ts';

export interface UpdateExpressionParts {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Item;
}

export function updateExpression(changes: CredentialChanges, expectedVersion?: number, owner?: ResourceOwner): UpdateExpressionParts {
  const names: Record<string, string> = {};
  const values: Item = {};
  const name = (attribute: string) => ((names[`#${attribute}`] = attribute), `#${attribute}`);
  const value = (key: string, v: Item[string]) => ((values[`:${key}`] = v), `:${key}`);

  // Items written before versions existed count as version 1.
  const sets = [`${name('version')} = if_not_exists(#version, ${value('one', n(1))}) + :one`, `${name('updatedAt')} = ${value('updatedAt', s(changes.updatedAt))}`];
  // A new login (password or username) may be checked at once; an email change keeps the limit.
  const removes = changes.resetStatus ? [name('checkStartedAt')] : [];
  if (changes.ciphertext) sets.push(`${name('ciphertext')} = ${value('ciphertext', { B: changes.ciphertext })}`);
  for (const field of ['username', 'email'] as const) {
    const change = changes[field];
    if (change === null) removes.push(name(field));
    else if (change !== undefined) sets.push(`${name(field)} = ${value(field, s(change))}`);
  }
  if (changes.resetStatus) removes.push(name('status'), name('checkedAt'), name('checkedVersion'));

  const conditions = [`attribute_exists(${name('pk')})`];
  if (expectedVersion !== undefined) {
    const match = `#version = ${value('expected', n(expectedVersion))}`;
    conditions.push(expectedVersion === 1 ? `(${match} OR attribute_not_exists(#version))` : match);
  }
  if (owner) {
    conditions.push(`${name(ownerAttributes.stackId)} = ${value('ownerStackId', s(owner.stackId))}`);
    conditions.push(`${name(ownerAttributes.logicalId)} = ${value('ownerLogicalId', s(owner.logicalId))}`);
  }
  Object.keys(changes.refuseUsernames).forEach((username, i) => {
    conditions.push(`(attribute_not_exists(${name('username')}) OR #username <> ${value(`refused${i}`, s(username))})`);
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
