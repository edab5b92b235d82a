import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { credentialResourceAttributes, credentialResourceProperties } from '../contract/credential-resource.ts';
import {
  applyCredentialResource,
  type CredentialResourceDeps,
  type CredentialResourceProperties,
} from '../core/credential-resource.ts';

/** What a custom-resources Provider's onEvent returns; the framework sends it to CloudFormation. */
export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * The Provider's onEvent handler. A thrown Error fails the request; its message becomes the
 * CloudFormation Reason, so messages name properties and ids, never a password.
 */
export function credentialResourceHandler(deps: CredentialResourceDeps) {
  return async (event: CloudFormationCustomResourceEvent): Promise<OnEventResponse> => {
    const properties = parseProperties(event.ResourceProperties, 'ResourceProperties');
    const request =
      event.RequestType === 'Create'
        ? { type: 'Create' as const, properties }
        : event.RequestType === 'Update'
          ? { type: 'Update' as const, id: event.PhysicalResourceId, properties, old: parseProperties(event.OldResourceProperties, 'OldResourceProperties') }
          : { type: 'Delete' as const, id: event.PhysicalResourceId, properties };
    try {
      const result = await applyCredentialResource(deps, request);
      if (result.registry === undefined) return { PhysicalResourceId: result.id };
      return {
        PhysicalResourceId: result.id,
        Data: {
          [credentialResourceAttributes.id]: result.id,
          [credentialResourceAttributes.registry]: result.registry,
          [credentialResourceAttributes.version]: String(result.version),
        },
      };
    } catch (error) {
      throw new Error(`${event.RequestType} ${event.LogicalResourceId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

function parseProperties(raw: unknown, where: string): CredentialResourceProperties {
  const parsed = credentialResourceProperties.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new Error(`Invalid ${where}: ${issues}`);
  }
  const p = parsed.data;
  return {
    project: p.Project,
    server: p.Server,
    username: p.Username || null,
    email: p.Email || null,
    passwordSecretId: p.PasswordSecretArn,
    passwordVersion: p.PasswordVersion ?? null,
  };
}

