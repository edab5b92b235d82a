// The baseline handlers: the same SDK clients and the same SDK calls as regcred's handlers, with no
// middy, zod, logging, domain code or error mapping. Cold-start and warm benches compare against these.
import {
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clientConfig } from '../../functions/adapters/aws-clients.ts';
import { credentialSortPrefix, keyOf } from '../../functions/contract/table.ts';

type Result = { statusCode: number; body?: string };
const s = (S: string) => ({ S });

export const dynamoClient = (overrides: DynamoDBClientConfig = {}) => new DynamoDBClient({ ...clientConfig, ...overrides });
export const kmsClient = (overrides: KMSClientConfig = {}) => new KMSClient({ ...clientConfig, ...overrides });

/** The Query regcred's list makes for its default page of 50 (one item more tells whether more exist). */
export function listQuery(table: string, project: string): QueryCommand {
  return new QueryCommand({
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': s(keyOf.project(project)), ':prefix': s(credentialSortPrefix) },
    ProjectionExpression: '#id, #server, #registry, #username, #email, #createdAt',
    ExpressionAttributeNames: { '#id': 'id', '#server': 'server', '#registry': 'registry', '#username': 'username', '#email': 'email', '#createdAt': 'createdAt' },
    Limit: 51,
  });
}

export function bareList(db: DynamoDBClient, table: string) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const result = await db.send(listQuery(table, event.pathParameters?.['project'] ?? ''));
    return { statusCode: 200, body: JSON.stringify({ items: result.Items ?? [] }) };
  };
}

export function bareAdd(kms: KMSClient, db: DynamoDBClient, table: string, keyId: string) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const project = event.pathParameters?.['project'] ?? '';
    const body = JSON.parse(event.body ?? '{}') as { server: string; username: string; password: string };
    const id = crypto.randomUUID();
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(body.password), EncryptionContext: { project, credentialId: id } }),
    );
    const pk = s(keyOf.project(project));
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk, sk: s(keyOf.registryGuard(body.server)), credentialId: s(id) }, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Put: {
              TableName: table,
              Item: { pk, sk: s(keyOf.credential(id)), id: s(id), server: s(body.server), registry: s(body.server), username: s(body.username), createdAt: s(new Date().toISOString()), ciphertext: { B: encrypted.CiphertextBlob! } },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
    return { statusCode: 201, body: JSON.stringify({ id }) };
  };
}

export function bareDelete(db: DynamoDBClient, table: string) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const pk = s(keyOf.project(event.pathParameters?.['project'] ?? ''));
    const id = event.pathParameters?.['id'] ?? '';
    const key = { pk, sk: s(keyOf.credential(id)) };
    const found = await db.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true, ProjectionExpression: 'registry' }));
    const registry = found.Item?.['registry']?.S;
    if (registry === undefined) return { statusCode: 404 };
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Delete: { TableName: table, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
          { Delete: { TableName: table, Key: { pk, sk: s(keyOf.registryGuard(registry)) }, ConditionExpression: 'attribute_not_exists(pk) OR credentialId = :id', ExpressionAttributeValues: { ':id': s(id) } } },
        ],
      }),
    );
    return { statusCode: 204 };
  };
}
