// The read side's DynamoDB adapter: strongly consistent reads, so a deleted credential stops
// resolving at once. Kept apart from the write side's store so neither bundle carries the other.
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBClientConfig,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import type { StoredCredential } from '../core/credential.ts';
import { UnavailableError } from '../core/errors.ts';
import type { CredentialReader } from '../core/ports.ts';
import type { CredentialDirectory, CredentialRef } from '../core/reverify.ts';
import { envNames, requiredEnv } from '../contract/config.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';
import { credentialKey, fromStoredItem, s, type Item } from './dynamodb-items.ts';
import { setTimeout as sleep } from 'node:timers/promises';

// BatchGetItem takes at most 100 keys; a repository path of 255 characters can have up to 128 components.
const maxBatchKeys = 100;
type Deadline = ReturnType<typeof operationDeadline>;
const guardPrefixLength = keyOf.registryGuard('').length;

export class DynamoDbCredentialReader implements CredentialReader, CredentialDirectory {
  private readonly db: DynamoDBClient;
  private readonly table: string;
  private readonly pageSize: number | undefined;

  /** `pageSize` caps the items per Query; by default a page is DynamoDB's 1 MB. */
  constructor(db: DynamoDBClient, table: string, pageSize?: number) {
    this.db = db;
    this.table = table;
    this.pageSize = pageSize;
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: DynamoDBClientConfig = {}): DynamoDbCredentialReader {
    return new DynamoDbCredentialReader(new DynamoDBClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.tableName));
  }

  /**
   * One BatchGetItem of the candidate registry guards, then a GetItem of the most specific match's
   * credential; a credential deleted since its guard was read falls through to the next match.
   * One deadline covers it all, so resolve's worst case stays lookup + Decrypt (2 x 4 s < 10 s).
   */
  async firstMatch(project: string, registries: readonly string[]): Promise<StoredCredential | undefined> {
    const deadline = operationDeadline();
    try {
      const guards = await this.guards(project, registries, deadline);
      for (const registry of registries) {
        const id = guards.get(registry);
        if (id === undefined) continue;
        const credential = await this.credential(project, id, deadline);
        if (credential?.registry === registry) return credential;
      }
      return undefined;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A keys-only Query of at most one registry guard below the host (`REGISTRY#<host>/`). */
  async holdsPathsOn(project: string, host: string): Promise<boolean> {
    try {
      const result = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(keyOf.project(project)), ':prefix': s(keyOf.registryGuard(`${host}/`)) },
          ProjectionExpression: 'sk',
          ConsistentRead: true,
          Limit: 1,
        }),
        operationDeadline(),
      );
      return (result.Items?.length ?? 0) > 0;
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async guards(project: string, registries: readonly string[], deadline: Deadline): Promise<Map<string, string>> {
    const pk = s(keyOf.project(project));
    const chunks: Item[][] = [];
    for (let i = 0; i < registries.length; i += maxBatchKeys) {
      chunks.push(registries.slice(i, i + maxBatchKeys).map((registry) => ({ pk, sk: s(keyOf.registryGuard(registry)) })));
    }
    const found = new Map<string, string>();
    await Promise.all(
      chunks.map(async (keys) => {
        let request: KeysAndAttributes | undefined = { Keys: keys, ConsistentRead: true };
        // DynamoDB may leave keys unprocessed under load; ask again for those (the deadline bounds it).
        for (let attempt = 0; request?.Keys?.length; attempt++) {
          if (attempt > 0) await sleep(10 * 2 ** Math.min(attempt, 6) * Math.random());
          const result: BatchGetItemCommandOutput = await this.db.send(new BatchGetItemCommand({ RequestItems: { [this.table]: request } }), deadline);
          for (const item of result.Responses?.[this.table] ?? []) {
            const registry = item['sk']?.S?.slice(guardPrefixLength);
            const id = item['credentialId']?.S;
            if (registry !== undefined && id !== undefined) found.set(registry, id);
          }
          request = result.UnprocessedKeys?.[this.table];
        }
      }),
    );
    return found;
  }

  private async credential(project: string, id: string, deadline: Deadline): Promise<StoredCredential | undefined> {
    const found = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: credentialKey(project, id), ConsistentRead: true }),
      deadline,
    );
    return found.Item ? fromStoredItem(project, found.Item) : undefined;
  }

  async *pages(project: string): AsyncIterable<readonly StoredCredential[]> {
    let startKey: Item | undefined;
    do {
      let result;
      try {
        result = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
            ExpressionAttributeValues: { ':pk': s(keyOf.project(project)), ':prefix': s(credentialSortPrefix) },
            ConsistentRead: true,
            Limit: this.pageSize,
            ExclusiveStartKey: startKey,
          }),
          operationDeadline(),
        );
      } catch (error) {
        throw unavailable(error);
      }
      yield (result.Items ?? []).map((item) => fromStoredItem(project, item));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
  }

  /** Every credential of the table: one paginated Scan projecting only the keys, registry guards filtered out. */
  async *everyCredential(): AsyncIterable<readonly CredentialRef[]> {
    const projectPrefix = keyOf.project('');
    let startKey: Item | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: 'pk, id',
          FilterExpression: 'begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':prefix': s(credentialSortPrefix) },
          Limit: this.pageSize,
          ExclusiveStartKey: startKey,
        }),
      );
      yield (page.Items ?? []).map((item) => ({ project: (item['pk']?.S ?? '').slice(projectPrefix.length), id: item['id']?.S ?? '' }));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
}

const unavailable = (error: unknown) =>
  new UnavailableError('The credential store is unavailable; nothing was returned.', { cause: error });
