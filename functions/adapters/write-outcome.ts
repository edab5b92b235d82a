// Whether a DynamoDB write that failed may still have been applied. DynamoDB can commit a request
// whose answer never reaches us (a timeout, a dropped connection, a 5xx, our deadline's abort), so
// only an attempt that was never sent (connection refused, no such host) or that DynamoDB answered
// with a client error (throttled, validation, cancelled transaction) is known to have changed
// nothing. Two middlewares: one sees every attempt (inside the SDK's retries), the other marks the
// final error with what all the attempts of that send() left.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const unknownOutcome = Symbol('regcred.mayHaveWritten');
const notSentCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function definitelyNotApplied(error: unknown): boolean {
  const e = (error ?? {}) as { $metadata?: { httpStatusCode?: number }; code?: unknown };
  const status = e.$metadata?.httpStatusCode;
  return (status !== undefined && status < 500) || notSentCodes.has(String(e.code));
}

const tracked = new WeakSet<DynamoDBClient>();

/** Installs the two middlewares on a client, once however many stores share it. */
export function trackWriteOutcomes(client: DynamoDBClient): void {
  if (tracked.has(client)) return;
  tracked.add(client);
  const marks = new WeakSet<object>(); // the contexts of send()s an attempt of which may have been applied
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!definitelyNotApplied(error)) marks.add(context);
        throw error;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'regcredAttemptOutcome' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (marks.has(context) && error && typeof error === 'object') Object.assign(error, { [unknownOutcome]: true });
        throw error;
      }
    },
    { step: 'initialize', name: 'regcredWriteOutcome' },
  );
}

/** True when an attempt of the failed send() may have reached DynamoDB and been applied. */
export const mayHaveBeenApplied = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { [unknownOutcome]?: boolean })[unknownOutcome] === true;
