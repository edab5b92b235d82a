import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { credentialResourceAttributes, credentialResourceProperties } from '../contract/credential-resource.ts';
import {
  applyCredentialResource,
  type CredentialResourceDeps,
  type CredentialResourceProperties,
  type CredentialResourceResult,
} from '../core/credential-resource.ts';
import { ForbiddenError, UnavailableError } from '../core/errors.ts';
import { lambdaKeys } from '../http/api-handler.ts';
import { writeAuditLine, type WriteAuditOutcome } from '../http/audit.ts';

/** What a custom-resources Provider's onEvent returns; the framework sends it to CloudFormation. */
export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

const doneOutcome = { Create: 'created', Update: 'updated', Delete: 'deleted' } as const satisfies Record<string, WriteAuditOutcome>;

/**
 * The Provider's onEvent handler. A thrown Error fails the request; its message becomes the
 * CloudFormation Reason, so messages name properties and ids, never a password. Every event,
 * done or refused, writes one audit line naming the stack (the caller) and the resource.
 */
export function credentialResourceHandler(deps: CredentialResourceDeps) {
  return async (event: CloudFormationCustomResourceEvent, context?: Context): Promise<OnEventResponse> => {
    const startedAt = performance.now();
    let properties: CredentialResourceProperties | undefined;
    let result: CredentialResourceResult | undefined;
    let failure: unknown;
    try {
      properties = parseProperties(event.ResourceProperties, 'ResourceProperties');
      const owner = { stackId: event.StackId, logicalId: event.LogicalResourceId };
      const request =
        event.RequestType === 'Create'
          ? { type: 'Create' as const, owner, properties }
          : event.RequestType === 'Update'
            ? { type: 'Update' as const, owner, id: event.PhysicalResourceId, properties, old: parseProperties(event.OldResourceProperties, 'OldResourceProperties') }
            : { type: 'Delete' as const, owner, id: event.PhysicalResourceId, properties };
      result = await applyCredentialResource(deps, request);
    } catch (error) {
      failure = error;
    }
    const requestedId = event.RequestType === 'Create' ? undefined : event.PhysicalResourceId;
    const outcome: WriteAuditOutcome =
      failure === undefined
        ? doneOutcome[event.RequestType]
        : failure instanceof ForbiddenError
          ? 'refused'
          : failure instanceof UnavailableError || !(failure instanceof Error) || failure.name === 'Error'
            ? 'error'
            : 'invalid-request';
    writeAuditLine(outcome === 'error', {
      ...(context && lambdaKeys(context)),
      requestId: event.RequestId,
      project: properties?.project,
      route: 'credential-resource',
      method: event.RequestType,
      durationMs: Math.round(performance.now() - startedAt),
      audit: {
        caller: event.StackId,
        logicalId: event.LogicalResourceId,
        project: properties?.project ?? null,
        server: properties?.server ?? null,
        registries: result?.registry ? [result.registry] : [],
        credentialIds: [...new Set([requestedId, result?.id].filter((id): id is string => typeof id === 'string' && id !== ''))],
        outcome,
      },
    });
    if (failure !== undefined) {
      throw new Error(`${event.RequestType} ${event.LogicalResourceId} failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    if (result!.registry === undefined) return { PhysicalResourceId: result!.id };
    return {
      PhysicalResourceId: result!.id,
      Data: {
        [credentialResourceAttributes.id]: result!.id,
        [credentialResourceAttributes.registry]: result!.registry,
        [credentialResourceAttributes.version]: String(result!.version),
      },
    };
  };
}

class InvalidPropertiesError extends Error {
  override name = 'ValidationError';
}

function parseProperties(raw: unknown, where: string): CredentialResourceProperties {
  const parsed = credentialResourceProperties.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new InvalidPropertiesError(`Invalid ${where}: ${issues}`);
  }
  const p = parsed.data;
  return {
    project: p.Project,
    server: p.Server,
    username: p.Username ?? null,
    email: p.Email ?? null,
    passwordSecretId: p.PasswordSecretArn,
    passwordVersion: p.PasswordVersion ?? null,
  };
}
