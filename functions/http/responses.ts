import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorCodes } from '../contract/error-codes.ts';
import type { ErrorBody } from '../contract/schemas.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

/** A body already serialised as JSON (e.g. with Go's escaping, to match kubectl byte for byte). */
export function jsonText(statusCode: number, body: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...jsonHeaders, ...headers }, body };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

export function errorResponse(body: ErrorBody, headers: Record<string, string> = {}): HttpResult {
  return json(errorCodes[body.error], body, headers);
}
