import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import type { CredentialView, StoredCredential } from '../core/credential.ts';
import { ConflictError, NotFoundError, UnavailableError } from '../core/errors.ts';
import type { CredentialPage, CredentialStore } from '../core/ports.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';
import { envNames, requiredEnv } from '../contract/config.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';

type Item = Record<string, AttributeValue>;

const viewAttributes = ['id', 'server', 'registry', 'username', 'email', 'createdAt'] as const;
const projection = {
  ProjectionExpression: viewAttributes.map((a) => `#${a}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(viewAttributes.map((a) => [`#${a}`, a])),
};
// Concurrent adds of one registry can cancel each other (TransactionConflict), and a guard can vanish
// between a failed check and the read of its owner (a concurrent delete); retry those a few times.
const maxConflictRetries = 4;

export class DynamoDbCredentialStore implements CredentialStore {
  private readonly db: DynamoDBClient;
  private readonly table: string;

  constructor(db: DynamoDBClient, table: string) {
    this.db = db;
    this.table = table;
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: DynamoDBClientConfig = {}): DynamoDbCredentialStore {
    return new DynamoDbCredentialStore(new DynamoDBClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.tableName));
  }

  async create(credential: StoredCredential): Promise<void> {
    const guardKey = { pk: s(keyOf.project(credential.project)), sk: s(keyOf.registryGuard(credential.registry)) };
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.table,
            Item: { ...guardKey, credentialId: s(credential.id) },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: toItem(credential),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    const deadline = operationDeadline();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.send(command, deadline);
        return;
      } catch (error) {
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const guard = reasons[0];
        if (guard?.Code === 'ConditionalCheckFailed') {
          const owner = guard.Item?.['credentialId']?.S ?? (await this.guardOwner(guardKey, deadline));
          if (owner !== undefined) throw conflict(credential.registry, owner);
          // The guard was deleted since the check (its credential was deleted): the registry is free, try again.
        }
        const retryable = guard?.Code === 'ConditionalCheckFailed' || reasons.some((r) => r.Code === 'TransactionConflict');
        if (!retryable || attempt >= maxConflictRetries) throw unavailable(error);
        await sleep(10 * 2 ** attempt * Math.random());
      }
    }
  }

  async list(project: string, limit: number, afterId: string | null): Promise<CredentialPage> {
    const pk = keyOf.project(project);
    const deadline = operationDeadline();
    try {
      // One item more than asked tells whether another page exists without an empty trailing call.
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(pk), ':prefix': s(credentialSortPrefix) },
          ...projection,
          Limit: limit + 1,
          ExclusiveStartKey: afterId ? { pk: s(pk), sk: s(keyOf.credential(afterId)) } : undefined,
        }),
        deadline,
      );
      const items = (result.Items ?? []).slice(0, limit).map(fromItem);
      const more = (result.Items?.length ?? 0) > limit || result.LastEvaluatedKey !== undefined;
      return { items, lastId: more && items.length > 0 ? (items.at(-1)?.id ?? null) : null };
    } catch (error) {
      throw unavailable(error);
    }
  }

  async delete(project: string, id: string): Promise<void> {
    const pk = s(keyOf.project(project));
    const key = { pk, sk: s(keyOf.credential(id)) };
    const deadline = operationDeadline();
    let registry: string | undefined;
    try {
      const found = await this.db.send(
        new GetItemCommand({
          TableName: this.table,
          Key: key,
          ConsistentRead: true,
          ProjectionExpression: 'registry',
        }),
        deadline,
      );
      registry = found.Item?.['registry']?.S;
    } catch (error) {
      throw unavailable(error);
    }
    if (registry === undefined) throw notFound(id);
    try {
      await this.db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
            {
              Delete: {
                TableName: this.table,
                Key: { pk, sk: s(keyOf.registryGuard(registry)) },
                ConditionExpression: 'attribute_not_exists(pk) OR credentialId = :id',
                ExpressionAttributeValues: { ':id': s(id) },
              },
            },
          ],
        }),
        deadline,
      );
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') throw notFound(id);
      throw unavailable(error);
    }
  }

  private async guardOwner(key: Item, deadline: { abortSignal: AbortSignal }): Promise<string | undefined> {
    try {
      const found = await this.db.send(new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }), deadline);
      return found.Item?.['credentialId']?.S;
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function toItem(c: StoredCredential): Item {
  const item: Item = {
    pk: s(keyOf.project(c.project)),
    sk: s(keyOf.credential(c.id)),
    id: s(c.id),
    server: s(c.server),
    registry: s(c.registry),
    createdAt: s(c.createdAt),
    ciphertext: { B: c.ciphertext },
  };
  if (c.username !== null) item['username'] = s(c.username);
  if (c.email !== null) item['email'] = s(c.email);
  return item;
}

function fromItem(item: Item): CredentialView {
  return {
    id: item['id']?.S ?? '',
    server: item['server']?.S ?? '',
    registry: item['registry']?.S ?? '',
    username: item['username']?.S ?? null,
    email: item['email']?.S ?? null,
    createdAt: item['createdAt']?.S ?? '',
  };
}

const s = (value: string): AttributeValue => ({ S: value });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const conflict = (registry: string, existingId: string) =>
  new ConflictError(`A credential for registry ${registry} already exists in this project (id ${existingId}).`, existingId);
const notFound = (id: string) => new NotFoundError(`No credential with id ${id} in this project.`);
const unavailable = (error: unknown) =>
  new UnavailableError('The credential store is unavailable; nothing was changed.', { cause: error });
