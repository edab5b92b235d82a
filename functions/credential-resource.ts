// Lambda entry (composition root): the RegistryCredential provider's onEvent handler.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from './adapters/https-registry-verifier.ts';
import { KmsPasswordEncryptor } from './adapters/kms-password-encryptor.ts';
import { SecretsManagerSecretSource } from './adapters/secrets-manager-secret-source.ts';
import { envNames } from './contract/config.ts';
import { stackGrants } from './contract/credential-resource.ts';
import { newCredentialId } from './core/ids.ts';
import { credentialResourceHandler } from './workers/credential-resource.ts';

export const handler = credentialResourceHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  encryptor: KmsPasswordEncryptor.fromEnv(),
  verifier: HttpsRegistryVerifier.fromEnv(),
  secrets: new SecretsManagerSecretSource(),
  clock: { now: () => new Date() },
  newId: newCredentialId,
  // Unset: no stack may declare anything; malformed: the function fails at start (the stack sets it from the grants file).
  stackGrants: stackGrants.parse(JSON.parse(process.env[envNames.stackGrants] ?? '[]')),
});
