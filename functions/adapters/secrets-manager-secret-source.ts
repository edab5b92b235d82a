import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../core/ports.ts';
import { clientConfig } from './aws-clients.ts';

/** The secret's current value (AWSCURRENT); errors name the secret, never its value. */
export class SecretsManagerSecretSource implements SecretSource {
  private readonly client: SecretsManagerClient;

  constructor(client: SecretsManagerClient = new SecretsManagerClient(clientConfig)) {
    this.client = client;
  }

  async read(secretId: string): Promise<string> {
    let value: string | undefined;
    try {
      value = (await this.client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      throw new Error(`Could not read secret ${secretId} (${error instanceof Error ? error.name : 'error'}); the provider may read only secrets named regcred/<project>/... that its grants allow.`);
    }
    if (value === undefined) throw new Error(`Secret ${secretId} has no string value (binary secrets are not supported).`);
    return value;
  }
}
