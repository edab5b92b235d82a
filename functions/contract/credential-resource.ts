// The RegistryCredential custom resource's contract: its type and property names, shared by the
// construct (infra/registry-credential.ts) and the provider's handler.
import * as z from 'zod/mini';
import { projectName } from './fields.ts';

export const credentialResourceType = 'Custom::RegcredRegistryCredential';

/** CloudFormation passes every property as a string. */
export const credentialResourceProperties = z.object({
  Project: projectName,
  Server: z.string().check(z.minLength(1, 'is required')),
  Username: z.optional(z.string()),
  Email: z.optional(z.string()),
  /** ARN (or name) of a Secrets Manager secret holding the password. */
  PasswordSecretArn: z.string().check(z.minLength(1, 'is required')),
  PasswordVersion: z.optional(z.string()),
});

export type CredentialResourcePropertiesInput = z.input<typeof credentialResourceProperties>;

/** The resource's attributes (Fn::GetAtt). */
export const credentialResourceAttributes = { id: 'CredentialId', registry: 'Registry', version: 'Version' } as const;
