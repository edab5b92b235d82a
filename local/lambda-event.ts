// API Gateway HTTP API (payload v2) events and Lambda contexts, as AWS hands them to a handler. The
// local server, the tests and the bench all invoke the handlers through these.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, Context } from 'aws-lambda';
import { expandPath, type Route } from '../functions/contract/routes.ts';

/** The IAM identity API Gateway's IAM authoriser puts in requestContext.authorizer.iam. */
export interface IamCaller {
  readonly accessKey: string;
  readonly accountId: string;
  readonly userArn: string;
  readonly userId: string;
}

export const localAccountId = '000000000000';
export const localCaller: IamCaller = {
  accessKey: 'regcredlocal',
  accountId: localAccountId,
  userArn: `arn:aws:iam::${localAccountId}:user/regcred-local`,
  userId: 'AIDAREGCREDLOCAL',
};
/** The caller of an unsigned request, which only `npm start` lets through (API Gateway answers 403). */
export const unsignedCaller: IamCaller = { accessKey: '', accountId: localAccountId, userArn: 'local', userId: 'local' };

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
  readonly caller?: IamCaller;
}

export function apiGatewayEvent(input: EventInput): APIGatewayProxyEventV2WithIAMAuthorizer {
  const { route, pathParameters, headers = {}, apiId = 'local', caller = localCaller } = input;
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
      accountId: localAccountId,
      apiId,
      authorizer: {
        iam: {
          accessKey: caller.accessKey,
          accountId: caller.accountId,
          callerId: caller.userId,
          cognitoIdentity: null,
          // null unless the caller's account is in an AWS Organization (the type says string).
          principalOrgId: null as unknown as string,
          userArn: caller.userArn,
          userId: caller.userId,
        },
      },
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
    },
    ...(input.body !== undefined && { body: input.body }),
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}

/** The context of one invocation of the route's function, with Lambda's 10 s budget by default. */
export function lambdaContext(route: Route, requestId: string, timeoutMs = 10_000): Context {
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
