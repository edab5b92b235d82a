// Turns anything a handler throws into the documented JSON error body. Never includes the
// request body or an error's cause (middy attaches the raw body to its parse errors).
import { $ZodError, type $ZodIssue } from 'zod/v4/core';
import {
  ConflictError,
  InvalidCredentialError,
  NoCredentialError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  UnavailableError,
  ValidationError,
  type FieldIssue,
} from '../core/errors.ts';
import type { ErrorBody } from '../contract/schemas.ts';
import { limits } from '../contract/config.ts';
import { entityTag } from './etag.ts';

export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof $ZodError) return validation(zodIssues(error));
  if (error instanceof ValidationError) return { error: 'ValidationError', message: error.message, issues: [...error.issues] };
  if (error instanceof NotFoundError) return { error: 'NotFound', message: error.message };
  if (error instanceof NoCredentialError) return { error: 'NoCredential', message: error.message };
  if (error instanceof ConflictError) return { error: 'Conflict', message: error.message, existingId: error.existingId };
  if (error instanceof PreconditionFailedError) return { error: 'PreconditionFailed', message: error.message };
  if (error instanceof InvalidCredentialError) return { error: 'InvalidCredential', message: error.message, detail: error.detail };
  if (error instanceof RateLimitedError) return { error: 'TooManyRequests', message: error.message };
  if (error instanceof PayloadTooLargeError) return { error: 'PayloadTooLarge', message: error.message };
  if (error instanceof UnavailableError) return { error: 'Unavailable', message: error.message };
  const middy = middyHttpError(error);
  if (middy === 422) return validation([{ path: 'body', message: 'must be valid JSON without __proto__ keys' }]);
  if (middy === 415) return validation([{ path: 'content-type', message: 'must be application/json' }]);
  if (middy === 413) return payloadTooLarge();
  return { error: 'InternalError', message: 'An unexpected error occurred; nothing was returned.' };
}

/** Headers some errors carry: when to retry a 429, the current ETag with a 412. */
export function errorHeaders(error: unknown): Record<string, string> {
  if (error instanceof RateLimitedError) return { 'retry-after': String(error.retryAfterSeconds) };
  if (error instanceof PreconditionFailedError) return { etag: entityTag(error.currentVersion) };
  return {};
}

export function payloadTooLarge(): ErrorBody {
  return { error: 'PayloadTooLarge', message: `The request body must be at most ${limits.maxBodyBytes} bytes.` };
}

function validation(issues: FieldIssue[]): ErrorBody {
  const message = `Invalid request: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}.`;
  return { error: 'ValidationError', message, issues };
}

/** Zod issues with a field path each; zod 4 does not put input values in its messages. */
export function zodIssues(error: $ZodError, prefix: string[] = []): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...prefix, ...issue.path.map(String), key].join('.'), message: 'is not a known field' }));
    }
    const path = [...prefix, ...issue.path.map(String)].join('.') || 'body';
    return [{ path, message: describe(issue) }];
  });
}

function describe(issue: $ZodIssue): string {
  if (issue.code === 'invalid_type') {
    return issue.message === 'Invalid input' ? `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}` : issue.message;
  }
  return issue.message;
}

function middyHttpError(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { expose, statusCode } = error as { expose?: unknown; statusCode?: unknown };
  return expose === true && typeof statusCode === 'number' ? statusCode : undefined;
}
