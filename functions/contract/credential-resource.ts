// The RegistryCredential custom resource's contract: its type and property names, shared by the
// construct (infra/registry-credential.ts) and the provider's handler. The fields follow the API's
// own rules (credential-fields.ts), so a template can store nothing the API would refuse.
import * as z from 'zod/mini';
import { server } from './add-request.ts';
import { email, googleKeyCheck, password, username } from './credential-fields.ts';
import { projectName } from './fields.ts';

export const credentialResourceType = 'Custom::RegcredRegistryCredential';

/** CloudFormation passes every property as a string. */
export const credentialResourceProperties = z.object({
  Project: projectName,
  Server: server,
  Username: z.optional(username),
  Email: z.optional(email),
  /** ARN of a Secrets Manager secret named `regcred/<Project>/...` holding the password. */
  PasswordSecretArn: z.string().check(z.minLength(1, 'is required')),
  PasswordVersion: z.optional(z.string()),
});

export type CredentialResourcePropertiesInput = z.input<typeof credentialResourceProperties>;

/** The password read from the secret, with the username: the API's password and Google key rules. */
export const credentialResourceLogin = z.object({ username: z.nullable(username), password }).check(googleKeyCheck);

/** The resource's attributes (Fn::GetAtt). */
export const credentialResourceAttributes = { id: 'CredentialId', registry: 'Registry', version: 'Version' } as const;

/**
 * One entry of the grants file's `stacks`: stacks that may declare credentials in `project`. `stack`
 * is an account id (any stack of that account) or a StackId ARN pattern with a literal account, `*`
 * matching within one part: `arn:aws:cloudformation:*:111122223333:stack/team-a-*\/*`.
 */
export const stackGrant = z.strictObject({
  project: projectName,
  stack: z.string().check(
    z.regex(
      /^(?:\d{12}|arn:aws[a-z-]*:cloudformation:(?:[a-z0-9-]+|\*):\d{12}:stack\/[A-Za-z0-9*-]+\/[A-Za-z0-9*-]+)$/,
      'must be a 12-digit account id or a StackId ARN pattern (arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>, * within region, name or id)',
    ),
  ),
});
export const stackGrants = z.array(stackGrant);
