// Lambda entry (composition root): real adapters, configured from the environment.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { KmsPasswordEncryptor } from './adapters/kms-password-encryptor.ts';
import { newCredentialId } from './core/ids.ts';
import { addCredentialHandler } from './http/handlers/add-credential.ts';

export const handler = addCredentialHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  encryptor: KmsPasswordEncryptor.fromEnv(),
  clock: { now: () => new Date() },
  newId: newCredentialId,
});
