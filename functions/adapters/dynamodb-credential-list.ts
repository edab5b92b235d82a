// list's one Query, in a module of its own so the list function's bundle carries none of the write
// code (transactions, update expressions, write outcomes) of dynamodb-credential-store.ts.
import { DynamoDBClient, QueryCommand, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { UnavailableError } from '../core/errors.ts';
import type { CredentialLister, CredentialPage } from '../core/ports.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';
import { envNames, requiredEnv } from '../contract/config.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';
import { fromItem, s, viewProjection } from './dynamodb-items.ts';

/** One page of a project's credentials: a single Query, one item more than asked. */
export async function queryCredentialPage(db: DynamoDBClient, table: string, project: string, limit: number, afterId: string | null): Promise<CredentialPage> {
  const pk = keyOf.project(project);
  try {
    // One item more than asked tells whether another page exists without an empty trailing call.
    const result = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': s(pk), ':prefix': s(credentialSortPrefix) },
        ...viewProjection,
        Limit: limit + 1,
        ExclusiveStartKey: afterId ? { pk: s(pk), sk: s(keyOf.credential(afterId)) } : undefined,
      }),
      operationDeadline(),
    );
    const items = (result.Items ?? []).slice(0, limit).map(fromItem);
    const more = (result.Items?.length ?? 0) > limit || result.LastEvaluatedKey !== undefined;
    return { items, lastId: more && items.length > 0 ? (items.at(-1)?.id ?? null) : null };
  } catch (error) {
    throw new UnavailableError('The credential store is unavailable; nothing was changed.', { cause: error });
  }
}

export class DynamoDbCredentialLister implements CredentialLister {
  private readonly db: DynamoDBClient;
  private readonly table: string;

  constructor(db: DynamoDBClient, table: string) {
    this.db = db;
    this.table = table;
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: DynamoDBClientConfig = {}): DynamoDbCredentialLister {
    return new DynamoDbCredentialLister(new DynamoDBClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.tableName));
  }

  list(project: string, limit: number, afterId: string | null): Promise<CredentialPage> {
    return queryCredentialPage(this.db, this.table, project, limit, afterId);
  }
}
