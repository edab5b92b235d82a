// API Gateway HTTP API (payload v2) events and Lambda contexts for invoking handlers directly.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { routes } from '../functions/contract/routes.ts';
import { apiGatewayEvent, lambdaContext as contextOf } from '../local/lambda-event.ts';
import type { Op } from './bundles.ts';

export const routeOf = { add: routes.addCredential, list: routes.listCredentials, delete: routes.deleteCredential } as const;

const headers = { 'content-type': 'application/json', host: 'bench.local', 'user-agent': 'regcred-bench' };

export function apiEvent(op: Op, pathParameters: Record<string, string>, body?: unknown): APIGatewayProxyEventV2 {
  return apiGatewayEvent({
    route: routeOf[op],
    pathParameters,
    headers,
    apiId: 'bench',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

export function lambdaContext(op: Op): Context {
  return contextOf(routeOf[op], randomUUID());
}

export const addBody = (server: string) => ({ server, username: 'robot', password: `bench-password-${randomUUID()}` });
