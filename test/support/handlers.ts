// Runs the real Lambda handlers in-process against the run's DynamoDB Local and local KMS.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { inject, vi } from 'vitest';
import type { Route } from '../../functions/contract/routes.ts';
import { keyOf, tableKeys } from '../../functions/contract/table.ts';
import { apiGatewayEvent, lambdaContext, localCaller } from '../../local/lambda-event.ts';
import { localEnvironment } from '../../local/stack.ts';
import { checkResponse } from './openapi-check.ts';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface Handlers {
  add: Handler;
  list: Handler;
  delete: Handler;
  update: Handler;
  verify: Handler;
  resolve: Handler;
  dockerConfig: Handler;
}

/** Imports fresh handler modules with the local stack's environment plus any overrides. */
export async function loadHandlers(overrides: Record<string, string> = {}): Promise<Handlers> {
  const stack = inject('localStack');
  Object.assign(process.env, localEnvironment(stack.dynamoDbEndpoint, stack.kmsEndpoint), overrides);
  vi.resetModules();
  const [add, list, remove, update, verify, resolve, dockerConfig] = await Promise.all([
    import('../../functions/add-credential.ts'),
    import('../../functions/list-credentials.ts'),
    import('../../functions/delete-credential.ts'),
    import('../../functions/update-credential.ts'),
    import('../../functions/verify-credential.ts'),
    import('../../functions/resolve-registry-auth.ts'),
    import('../../functions/get-dockerconfigjson.ts'),
  ]);
  return {
    add: add.handler as Handler,
    list: list.handler as Handler,
    delete: remove.handler as Handler,
    update: update.handler as Handler,
    verify: verify.handler as Handler,
    resolve: resolve.handler as Handler,
    dockerConfig: dockerConfig.handler as Handler,
  };
}

export function localClients() {
  const stack = inject('localStack');
  const config = { region: stack.region, credentials: { accessKeyId: 'regcredlocal', secretAccessKey: 'regcredlocal' } };
  const dynamo = new DynamoDBClient({ ...config, endpoint: stack.dynamoDbEndpoint });
  /** Every raw item of a project (credentials and registry guards), read straight from the table. */
  const rawItems = async (project: string) => {
    const result = await dynamo.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: keyOf.project(project) } },
        ConsistentRead: true,
      }),
    );
    return result.Items ?? [];
  };
  const kms = new KMSClient({ ...config, endpoint: stack.kmsEndpoint });
  /** A credential's password as stored: its item read raw, decrypted under its encryption context. */
  const storedPassword = async (project: string, id: string): Promise<string> => {
    const item = await dynamo.send(
      new GetItemCommand({ TableName: stack.tableName, Key: { [tableKeys.partition]: { S: keyOf.project(project) }, [tableKeys.sort]: { S: keyOf.credential(id) } }, ConsistentRead: true }),
    );
    const plain = await kms.send(new DecryptCommand({ CiphertextBlob: item.Item?.['ciphertext']?.B, EncryptionContext: { project, credentialId: id } }));
    return Buffer.from(plain.Plaintext ?? []).toString('utf8');
  };
  return { dynamo, kms, tableName: stack.tableName, rawItems, storedPassword };
}

export interface Call {
  readonly pathParameters: Record<string, string>;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** The path as sent; defaults to the route's path with the parameters filled in. */
  readonly rawPath?: string;
  /** The caller's IAM ARN, as API Gateway's IAM authorizer puts it in the request context. */
  readonly iamUserArn?: string;
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  readonly json: any;
}

export async function invoke(handler: Handler, route: Route, call: Call): Promise<Reply> {
  const rawBody = call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const event = apiGatewayEvent({
    route,
    pathParameters: call.pathParameters,
    headers: { 'content-type': 'application/json', 'user-agent': 'vitest', ...call.headers },
    apiId: 'test',
    ...(call.rawPath !== undefined && { rawPath: call.rawPath }),
    ...(call.query && { query: call.query }),
    ...(rawBody !== undefined && { body: rawBody }),
    ...(call.iamUserArn && { caller: { ...localCaller, userArn: call.iamUserArn } }),
  });
  APIGatewayProxyEventV2Schema.parse(event); // the builder's output keeps API Gateway's shape
  const context = lambdaContext(route, event.requestContext.requestId);
  const result = await handler(event, context);
  const text = result.body ?? '';
  const status = result.statusCode ?? 200;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  checkResponse({ method: route.method, path: route.path, status, contentType: headers['content-type'], text });
  return { status, headers, text, json: text ? JSON.parse(text) : undefined };
}

/** A project name no other test uses. */
export function uniqueProject(prefix = 't'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
