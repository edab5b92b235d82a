import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './dynamodb-items.ts';
import { credentialSortPrefix, keyOf } from '../contract/table.ts';
import { envNames, requiredEnv } from '../contract/config.ts';
import type { CredentialDirectory, CredentialRef } from '../core/reverify.ts';
import { clientConfig } from './aws-clients.ts';

const projectPrefix = keyOf.project('');

/** One paginated Scan of the whole table, projecting only the keys and filtering out registry guards. */
export class DynamoDbCredentialDirectory implements CredentialDirectory {
  private readonly db: DynamoDBClient;
  private readonly table: string;
  /** Items read per Scan call; DynamoDB's own 1 MB page when absent. */
  private readonly pageSize: number | undefined;

  constructor(db: DynamoDBClient, table: string, pageSize?: number) {
    this.db = db;
    this.table = table;
    this.pageSize = pageSize;
  }

  static fromEnv(): DynamoDbCredentialDirectory {
    return new DynamoDbCredentialDirectory(new DynamoDBClient(clientConfig), requiredEnv(envNames.tableName));
  }

  async *pages(): AsyncIterable<readonly CredentialRef[]> {
    let start: Item | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          ProjectionExpression: 'pk, id',
          FilterExpression: 'begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: credentialSortPrefix } },
          ExclusiveStartKey: start,
          Limit: this.pageSize,
        }),
      );
      yield (page.Items ?? []).map((item) => ({ project: (item['pk']?.S ?? '').slice(projectPrefix.length), id: item['id']?.S ?? '' }));
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
