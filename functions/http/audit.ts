// One audit line for every request that can return a password: who asked (the caller's IAM ARN,
// `local` under `npm start`), for which project and image, what matched, and the outcome. Never a
// password. KMS Decrypt calls are also in CloudTrail, with their encryption context.
import { $ZodError } from 'zod/v4/core';
import { NoCredentialError, ValidationError } from '../core/errors.ts';
import type { ApiEvent } from './api-handler.ts';
import { logger } from './logger.ts';
import type { HttpResult } from './responses.ts';

export type AuditOutcome = 'resolved' | 'no-credential' | 'invalid-request' | 'error';

/** What the handler fills in as it learns it. */
export interface AuditRecord {
  project: string | null;
  /** The normalised image, or null (a server lookup, the whole config, or not yet valid). */
  image: string | null;
  /** The registry key a credential helper asked for (?server=). */
  server: string | null;
  /** Registry keys of the credentials returned. */
  registries: string[];
  credentialIds: string[];
}

export function audited(handle: (event: ApiEvent, record: AuditRecord) => Promise<HttpResult>) {
  return async (event: ApiEvent): Promise<HttpResult> => {
    const record: AuditRecord = { project: null, image: null, server: null, registries: [], credentialIds: [] };
    const write = (outcome: AuditOutcome) => logger.info('audit', { audit: { caller: callerOf(event), ...record, outcome } });
    try {
      const result = await handle(event, record);
      write('resolved');
      return result;
    } catch (error) {
      write(outcomeOf(error));
      throw error;
    }
  };
}

function callerOf(event: ApiEvent): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } } | undefined;
  const arn = context?.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : 'local';
}

function outcomeOf(error: unknown): AuditOutcome {
  if (error instanceof NoCredentialError) return 'no-credential';
  if (error instanceof ValidationError || error instanceof $ZodError) return 'invalid-request';
  return 'error';
}
