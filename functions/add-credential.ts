// Lambda entry (composition root): real adapters, configured from the environment.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from './adapters/https-registry-verifier.ts';
import { KmsPasswordEncryptor } from './adapters/kms-password-encryptor.ts';
import { newCredentialId } from './core/ids.ts';
import { addCredentialHandler } from './http/handlers/add-credential.ts';

export const handler = addCredentialHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  encryptor: KmsPasswordEncryptor.fromEnv(),
  verifier: HttpsRegistryVerifier.fromEnv(),
  clock: { now: () => new Date() },
  newId: newCredentialId,
});
