// Lambda entry (composition root): KMS for Encrypt only.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { KmsPasswordEncryptor } from './adapters/kms-password-encryptor.ts';
import { updateCredentialHandler } from './http/handlers/update-credential.ts';

export const handler = updateCredentialHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  encryptor: KmsPasswordEncryptor.fromEnv(),
  clock: { now: () => new Date() },
});
