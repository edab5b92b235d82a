// The update baseline: the SDK calls regcred's update makes (Encrypt, then one conditional UpdateItem
// returning the new item), with no middy, zod, logging, domain code or error mapping.
import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { keyOf } from '../../functions/contract/table.ts';
import { dynamoClient, kmsClient } from './bare.ts';

const s = (S: string) => ({ S });

export function bareUpdate(kms: KMSClient, db: DynamoDBClient, table: string, keyId: string) {
  return async (event: APIGatewayProxyEventV2): Promise<{ statusCode: number; body?: string }> => {
    const project = event.pathParameters?.['project'] ?? '';
    const id = event.pathParameters?.['id'] ?? '';
    const body = JSON.parse(event.body ?? '{}') as { password: string };
    const encrypted = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(body.password), EncryptionContext: { project, credentialId: id } }),
    );
    const result = await db.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: s(keyOf.project(project)), sk: s(keyOf.credential(id)) },
        UpdateExpression: 'SET #version = if_not_exists(#version, :one) + :one, #updatedAt = :updatedAt, #ciphertext = :ciphertext REMOVE #checkStartedAt',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#version': 'version', '#updatedAt': 'updatedAt', '#ciphertext': 'ciphertext', '#checkStartedAt': 'checkStartedAt', '#pk': 'pk' },
        ExpressionAttributeValues: { ':one': { N: '1' }, ':updatedAt': s(new Date().toISOString()), ':ciphertext': { B: encrypted.CiphertextBlob! } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { statusCode: 200, body: JSON.stringify(result.Attributes ?? {}) };
  };
}

// Cold-start baseline entry, like add.ts and delete.ts.
export const handler = bareUpdate(kmsClient(), dynamoClient(), process.env['REGCRED_TABLE_NAME'] ?? '', process.env['REGCRED_KMS_KEY_ID'] ?? '');
