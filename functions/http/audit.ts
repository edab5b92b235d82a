// The audit line: every request that can return a password writes exactly one log line, message
// `audit`, in place of the usual request line: who asked (the caller's IAM ARN, `local` under
// `npm start`), for which project and image, what matched, and the outcome. Never a password.
// CloudTrail also records each KMS Decrypt with its encryption context (project, credentialId).
// The RegistryCredential provider writes the same line for each of its writes (writeAuditLine).
// Audit lines are written at every log level (logger.auditLine).
import { NoCredentialError } from '../core/errors.ts';
import type { ApiEvent, RequestLine } from './api-handler.ts';
import { logger } from './logger.ts';

export type AuditOutcome = 'resolved' | 'no-credential' | 'invalid-request' | 'error';
/** A provider write's outcome: done, refused (no grant, not its credential), or failed. */
export type WriteAuditOutcome = 'created' | 'updated' | 'deleted' | 'refused' | 'invalid-request' | 'error';

export const auditMessage = 'audit';

/** Writes one audit line (`audit` holds who, what and the outcome) whatever the log level. */
export function writeAuditLine(failed: boolean, fields: Record<string, unknown> & { audit: Record<string, unknown> }): void {
  logger.auditLine(failed ? 'ERROR' : 'INFO', auditMessage, fields);
}

/** What the handler fills in as it learns it. */
export interface AuditRecord {
  project: string | null;
  /** The normalised image, or null (a server lookup, the whole config, or not valid). */
  image: string | null;
  /** The registry key a credential helper asked for (?server=). */
  server: string | null;
  /** Registry keys of the credentials returned. */
  registries: string[];
  credentialIds: string[];
}

const records = new WeakMap<ApiEvent, AuditRecord>();

/** The request's audit record, for the handler to fill in. */
export function auditRecord(event: ApiEvent): AuditRecord {
  const record: AuditRecord = { project: null, image: null, server: null, registries: [], credentialIds: [] };
  records.set(event, record);
  return record;
}

export const auditLine: RequestLine = {
  message: auditMessage,
  always: true,
  fields: (event, statusCode, error) => ({
    principal: principalOf(event),
    audit: { caller: callerOf(event), ...(records.get(event) ?? auditRecord(event)), outcome: outcomeOf(statusCode, error) },
  }),
};

/** What the request context says about the caller beyond its ARN; null when it says nothing. */
export interface AuditPrincipal {
  accountId: string | null;
  principalOrgId: string | null;
  userId: string | null;
  sourceIp: string | null;
  /** A console user's Cognito identity, and its authentication provider (`...:CognitoSignIn:<user pool sub>`). */
  cognitoIdentityId: string | null;
  cognitoAuthenticationProvider: string | null;
}

interface IamAuthorizerContext {
  accountId?: unknown;
  principalOrgId?: unknown;
  userId?: unknown;
  cognitoIdentity?: { amr?: unknown; identityId?: unknown } | null;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function principalOf(event: ApiEvent): AuditPrincipal {
  const context = event.requestContext as { authorizer?: { iam?: IamAuthorizerContext }; http?: { sourceIp?: unknown } } | undefined;
  const iam = context?.authorizer?.iam;
  // amr: ["authenticated", "<user pool provider>", "<user pool provider>:CognitoSignIn:<sub>"].
  const amr = Array.isArray(iam?.cognitoIdentity?.amr) ? iam.cognitoIdentity.amr.filter((a): a is string => typeof a === 'string') : [];
  const providers = amr.filter((a) => a !== 'authenticated' && a !== 'unauthenticated');
  return {
    accountId: text(iam?.accountId),
    principalOrgId: text(iam?.principalOrgId),
    userId: text(iam?.userId),
    sourceIp: text(context?.http?.sourceIp),
    cognitoIdentityId: text(iam?.cognitoIdentity?.identityId),
    cognitoAuthenticationProvider: providers.length > 0 ? providers.join(',') : null,
  };
}

function callerOf(event: ApiEvent): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } } | undefined;
  const arn = context?.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : 'local';
}

function outcomeOf(statusCode: number, error: unknown): AuditOutcome {
  if (error instanceof NoCredentialError) return 'no-credential';
  if (statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'invalid-request' : 'resolved';
}
