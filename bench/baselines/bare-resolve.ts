// The resolve baseline: the same SDK calls as regcred's resolve handler (BatchGetItem of the image's
// candidate registry guards beside a Query of the guards below the host, GetItem of the credential,
// KMS Decrypt with its encryption context),
// with no middy, zod, logging, audit, domain code or error mapping.
import { BatchGetItemCommand, GetItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { keyOf } from '../../functions/contract/table.ts';

type Result = { statusCode: number; body?: string };
const s = (S: string) => ({ S });

export function bareResolve(kms: KMSClient, db: DynamoDBClient, table: string, keyId: string) {
  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const project = event.pathParameters?.['project'] ?? '';
    const parts = (event.queryStringParameters?.['image'] ?? '').split(':')[0]!.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, parts.length - i).join('/'));
    const pk = s(keyOf.project(project));
    const below = { ':pk': pk, ':prefix': s(keyOf.registryGuard(`${parts[0]}/`)) };
    const [guards] = await Promise.all([
      db.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: candidates.map((c) => ({ pk, sk: s(keyOf.registryGuard(c)) })), ConsistentRead: true } } })),
      db.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: below, ProjectionExpression: 'sk', ConsistentRead: true, Limit: 1 })),
    ]);
    const found = new Map((guards.Responses?.[table] ?? []).map((item) => [item['sk']?.S, item['credentialId']?.S]));
    const id = candidates.map((c) => found.get(keyOf.registryGuard(c))).find((x) => x !== undefined);
    if (!id) return { statusCode: 404 };
    const item = (await db.send(new GetItemCommand({ TableName: table, Key: { pk, sk: s(keyOf.credential(id)) }, ConsistentRead: true }))).Item!;
    const plain = await kms.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: item['ciphertext']!.B!, EncryptionContext: { project, credentialId: id } }),
    );
    const password = Buffer.from(plain.Plaintext!).toString('utf8');
    return { statusCode: 200, body: JSON.stringify({ credentialId: id, server: item['server']?.S, username: item['username']?.S, password }) };
  };
}
