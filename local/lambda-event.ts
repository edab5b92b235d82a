// API Gateway HTTP API (payload v2) events and Lambda contexts, as AWS hands them to a handler. The
// local server, the tests and the bench all invoke the handlers through these.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expandPath, type Route } from '../functions/contract/routes.ts';

export interface EventInput {
  readonly route: Route;
  readonly pathParameters: Record<string, string>;
  /** The path as the client sent it; defaults to the route's path with the parameters filled in. */
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly sourceIp?: string;
  readonly protocol?: string;
  /** Names the API in requestContext (apiId, domain). */
  readonly apiId?: string;
  /** The caller's ARN as API Gateway's IAM authorizer reports it; absent under `npm start`. */
  readonly iamUserArn?: string;
}

export function apiGatewayEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { route, pathParameters, headers = {}, apiId = 'local' } = input;
  const rawPath = input.rawPath ?? expandPath(route.path, pathParameters);
  const routeKey = `${route.method} ${route.path}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: input.rawQueryString ?? (input.query ? new URLSearchParams(input.query).toString() : ''),
    headers,
    ...(input.query && Object.keys(input.query).length > 0 && { queryStringParameters: input.query }),
    pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId,
      domainName: headers['host'] ?? apiId,
      domainPrefix: apiId,
      http: {
        method: route.method,
        path: rawPath,
        protocol: input.protocol ?? 'HTTP/1.1',
        sourceIp: input.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      ...(input.iamUserArn && { authorizer: iamAuthorizer(input.iamUserArn) }),
    },
    ...(input.body !== undefined && { body: input.body }),
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}

function iamAuthorizer(userArn: string) {
  const accountId = /^arn:aws:[^:]*::(\d{12}):/.exec(userArn)?.[1] ?? '000000000000';
  return { iam: { accessKey: 'AKIALOCAL', accountId, callerId: 'AIDALOCAL', principalOrgId: null, userArn, userId: 'AIDALOCAL' } };
}

/** The context of one invocation of the route's function, with its Lambda timeout (10 s unless the route sets one). */
export function lambdaContext(route: Route, requestId: string, timeoutMs = (route.timeoutSeconds ?? 10) * 1000): Context {
  const deadline = Date.now() + timeoutMs;
  const name = `regcred-${route.name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
