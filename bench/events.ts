// API Gateway HTTP API (payload v2) events and Lambda contexts for invoking handlers directly.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { expandPath, routes } from '../functions/contract/routes.ts';
import type { Op } from './bundles.ts';

export const routeOf = { add: routes.addCredential, list: routes.listCredentials, delete: routes.deleteCredential } as const;

export function apiEvent(op: Op, pathParameters: Record<string, string>, body?: unknown): APIGatewayProxyEventV2 {
  const route = routeOf[op];
  const path = expandPath(route.path, pathParameters);
  const requestId = randomUUID();
  return {
    version: '2.0',
    routeKey: `${route.method} ${route.path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'bench.local', 'user-agent': 'regcred-bench' },
    pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: route.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'regcred-bench' },
      requestId,
      routeKey: `${route.method} ${route.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

export function lambdaContext(op: Op): Context {
  const name = `regcred-${routeOf[op].name}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export const addBody = (server: string) => ({ server, username: 'robot', password: `bench-password-${randomUUID()}` });
