// A registry credential as a resource of any CDK app: the regcred stack's provider adds, rotates and
// deletes it. The password stays in Secrets Manager; the template carries only the secret's ARN.
import { CustomResource, Fn } from 'aws-cdk-lib';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  credentialResourceAttributes,
  credentialResourceType,
  type CredentialResourcePropertiesInput,
} from '../functions/contract/credential-resource.ts';

/** Export name of the provider's service token in the regcred stack (RegcredStackProps.providerExportName). */
export const defaultProviderExportName = 'regcred-credential-provider';

export interface RegistryCredentialProps {
  readonly project: string;
  /** Registry server as docker names it: `https://index.docker.io/v1/`, `ghcr.io`, `myreg.azurecr.io`. Changing it replaces the credential. */
  readonly server: string;
  readonly username?: string;
  readonly email?: string;
  /**
   * The password: a secret of this stack's account named `regcred/<project>/...` (the provider
   * reads only those), holding the password itself or a JSON object with a `password` key.
   */
  readonly password: ISecret;
  /** Change it (e.g. after rotating the secret) to make the provider read the secret again. */
  readonly passwordVersion?: string;
  /** The regcred stack's provider. @default Fn.importValue('regcred-credential-provider') */
  readonly serviceToken?: string;
}

export class RegistryCredential extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: RegistryCredentialProps) {
    super(scope, id);
    const properties: CredentialResourcePropertiesInput = {
      Project: props.project,
      Server: props.server,
      PasswordSecretArn: props.password.secretArn,
      ...(props.username !== undefined && { Username: props.username }),
      ...(props.email !== undefined && { Email: props.email }),
      ...(props.passwordVersion !== undefined && { PasswordVersion: props.passwordVersion }),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken ?? Fn.importValue(defaultProviderExportName),
      resourceType: credentialResourceType,
      properties,
    });
  }

  /** The credential's id in the vault (its physical id). */
  get credentialId(): string {
    return this.resource.getAttString(credentialResourceAttributes.id);
  }

  /** The registry key the credential answers for, e.g. `docker.io`. */
  get registry(): string {
    return this.resource.getAttString(credentialResourceAttributes.registry);
  }
}
