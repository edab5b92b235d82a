// `GET /health` on the local server (not an API route: no Lambda, no IAM): 200 {"status":"ok"} when
// DynamoDB Local (the table) and the local KMS (the key) both answer, 503 naming which does not.
// Defined here once; the server serves it and anything documenting the local server reads it here.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { localCredentials } from './sigv4-verifier.ts';

export const healthRoute = {
  method: 'GET',
  path: '/health',
  summary: 'Local server only: 200 {"status":"ok"} when DynamoDB Local and the local KMS answer, else 503.',
} as const;

export type HealthBody = { status: 'ok' } | { status: 'unavailable'; dynamodb: 'ok' | 'unavailable'; kms: 'ok' | 'unavailable' };
export type HealthCheck = () => Promise<{ statusCode: 200 | 503; body: HealthBody }>;

export interface HealthTargets {
  readonly region: string;
  readonly dynamoDbEndpoint: string;
  readonly kmsEndpoint: string;
  readonly tableName: string;
  readonly keyId: string;
}

export function healthCheck(targets: HealthTargets): HealthCheck {
  const config = {
    region: targets.region,
    credentials: localCredentials,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true },
  };
  const dynamo = new DynamoDBClient({ ...config, endpoint: targets.dynamoDbEndpoint });
  const kms = new KMSClient({ ...config, endpoint: targets.kmsEndpoint });
  const answers = (call: Promise<unknown>) =>
    call.then(
      () => 'ok' as const,
      () => 'unavailable' as const,
    );
  return async () => {
    const [dynamodb, key] = await Promise.all([
      answers(dynamo.send(new DescribeTableCommand({ TableName: targets.tableName }), { abortSignal: AbortSignal.timeout(2000) })),
      answers(kms.send(new DescribeKeyCommand({ KeyId: targets.keyId }), { abortSignal: AbortSignal.timeout(2000) })),
    ]);
    if (dynamodb === 'ok' && key === 'ok') return { statusCode: 200, body: { status: 'ok' } };
    return { statusCode: 503, body: { status: 'unavailable', dynamodb, kms: key } };
  };
}
