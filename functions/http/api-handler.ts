// The middy stack every route shares: context-aware logging, header normalisation, body limits,
// JSON parsing and the error mapping. Handlers only parse, call one use case and shape the result.
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { limits } from '../contract/config.ts';
import { notPercentEncoded, rawPathParameters, unsafePathReason, type Route } from '../contract/routes.ts';
import { ValidationError } from '../core/errors.ts';
import { logger } from './logger.ts';
import { errorHeaders, PayloadTooLargeError, payloadTooLarge, toErrorBody } from './map-error.ts';
import { errorResponse, type HttpResult } from './responses.ts';
import { readableFrames } from './stack-frames.ts';
import { assertWellFormed, decodeUtf8 } from './utf8.ts';

export type ApiEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };
type Request = middy.Request<ApiEvent, HttpResult, Error, Context>;

/** Replaces a route's one log line per request, e.g. with an audit line (see audit.ts). */
export interface RequestLine {
  readonly message: string;
  /** Written at every log level (the audit line); a plain request line follows Powertools' level. */
  readonly always?: boolean;
  fields(event: ApiEvent, statusCode: number, error: unknown): Record<string, unknown>;
}

export function apiHandler(route: Route, handle: (event: ApiEvent) => Promise<HttpResult>, line?: RequestLine) {
  // No early-timeout race (middy's default sets a timer per request): every AWS call has its own
  // deadline (adapters/aws-clients.ts), so a route answers 503 well inside its Lambda timeout.
  const stack = middy<ApiEvent, HttpResult, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(accessLogAndErrors(route, line))
    .use(httpHeaderNormalizer())
    .use(literalPath(route))
    .use(bodyGuard(route));
  if (route.hasBody) stack.use(jsonBody()).use(wellFormedBody);
  return stack.handler(handle);
}

/** Parses a value with a schema; a failure becomes a 400 naming each field. */
export function parse<T extends z.ZodMiniType>(schema: T, value: unknown): z.output<T> {
  return schema.parse(value);
}

// IAM authorises the path as sent, the function acts on the decoded parameters: `/projects/proj%62/`
// would act on `projb` past a policy that names `projb`. A project is a DNS label and an id a UUID,
// so neither ever needs encoding: a path whose raw segment differs from the parameter is refused,
// and so is a path with dot or empty segments or an encoded dot or slash (unsafePathReason), which
// could be resolved into another project's path.
function literalPath(route: Route): MiddlewareObj<ApiEvent, HttpResult, Error, Context> {
  return {
    before: (request: Request) => {
      const { rawPath = '', pathParameters = {} } = request.event;
      const unsafe = unsafePathReason(rawPath);
      if (unsafe) throw ValidationError.field('path', unsafe);
      const raw = rawPathParameters(route.path, rawPath, true);
      for (const [name, value] of Object.entries(pathParameters)) {
        if (raw?.[name] !== value) throw ValidationError.field(name, notPercentEncoded);
      }
    },
  };
}

// A body with no backslash and neither "__proto__" nor "constructor" in it cannot hold the keys
// middy's parser rejects, so plain JSON.parse gives the same object, several times faster than
// middy's parse with a reviver. Anything else, and anything JSON.parse refuses, goes to middy's
// parser and gets its result or its error.
const mayHoldForbiddenKeys = /__proto__|constructor|\\/;

function jsonBody(): MiddlewareObj<ApiEvent, HttpResult, Error, Context> {
  const middyParser = httpJsonBodyParser({ disableContentTypeCheck: true }) as MiddlewareObj<ApiEvent, HttpResult, Error, Context>;
  return {
    before: (request: Request) => {
      const { body, isBase64Encoded } = request.event;
      if (typeof body === 'string' && !isBase64Encoded && !mayHoldForbiddenKeys.test(body)) {
        try {
          request.event.body = JSON.parse(body);
          return;
        } catch {
          // middy's parser below reports it.
        }
      }
      return middyParser.before?.(request);
    },
  };
}

const jsonContentType = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$/i;

function bodyGuard(route: Route): MiddlewareObj<ApiEvent, HttpResult, Error, Context> {
  return {
    before: (request: Request) => {
      const { body, isBase64Encoded, headers } = request.event;
      const raw = typeof body === 'string' ? body : '';
      const bytes = isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
      const size = bytes ? bytes.length : Buffer.byteLength(raw, 'utf8');
      if (size > limits.maxBodyBytes) throw new PayloadTooLargeError(payloadTooLarge().message);
      if (!route.hasBody) return;
      if (!jsonContentType.test(headers?.['content-type'] ?? '')) {
        throw ValidationError.field('content-type', 'must be application/json');
      }
      if (size === 0) throw ValidationError.field('body', 'is required: a JSON object');
      // Decoded here, not by the JSON parser (which would turn invalid bytes into U+FFFD).
      if (bytes) {
        request.event.body = decodeUtf8(bytes);
        request.event.isBase64Encoded = false;
      }
    },
  };
}

const wellFormedBody: MiddlewareObj<ApiEvent, HttpResult, Error, Context> = {
  before: (request: Request) => assertWellFormed(request.event.body),
};

/** Per-request state kept on middy's request (a WeakMap keyed by request cost more per call). */
const timing = (request: Request) => request.internal as { startedAt?: number };

// One log line per request. Its per-request keys go on that line rather than on the shared logger
// (appendKeys/injectLambdaContext), so concurrent invocations cannot mix them and a request costs
// one logger call instead of five (each reads environment variables inside Powertools).

function accessLogAndErrors(route: Route, line?: RequestLine): MiddlewareObj<ApiEvent, HttpResult, Error, Context> {
  const log = (request: Request) => {
    const statusCode = request.response?.statusCode ?? 500;
    const entry = {
      ...lambdaKeys(request.context),
      requestId: request.event.requestContext?.requestId,
      project: safeProject(request.event),
      route: route.name,
      method: route.method,
      statusCode,
      durationMs: Math.round(performance.now() - (timing(request).startedAt ?? performance.now())),
      ...line?.fields(request.event, statusCode, request.error),
    };
    if (line?.always) logger.auditLine(statusCode >= 500 ? 'ERROR' : 'INFO', line.message, statusCode >= 500 ? { ...entry, ...describeFailure(request.error) } : entry);
    else if (statusCode >= 500) logger.error(line?.message ?? 'request failed', { ...entry, ...describeFailure(request.error) });
    else logger.requestLine(line?.message ?? 'request', entry);
  };
  return {
    before: (request: Request) => {
      timing(request).startedAt = performance.now();
    },
    after: log,
    onError: (request: Request) => {
      request.response = errorResponse(toErrorBody(request.error), errorHeaders(request.error));
      log(request);
    },
  };
}

/** The keys Powertools' injectLambdaContext adds, under the same names. */
export function lambdaKeys(context: Context) {
  return {
    cold_start: logger.isColdStartInvocation(),
    function_arn: context.invokedFunctionArn,
    function_memory_size: context.memoryLimitInMB,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
  };
}

// Names and stack frames of what failed, never messages that could quote input.
function describeFailure(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return {};
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const frames = readableFrames(error, 5);
  return {
    errorName: error.name,
    ...(cause && { causeName: cause.name, causeMessage: cause.message }),
    ...(error.name === 'UnavailableError' || cause ? {} : { frames }),
  };
}

function safeProject(event: ApiEvent): string | undefined {
  const project = event.pathParameters?.['project'];
  return project && /^[a-z0-9-]{1,63}$/.test(project) ? project : undefined;
}
