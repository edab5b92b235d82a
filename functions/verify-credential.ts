// Lambda entry (composition root): the only function that both decrypts and calls out to registries.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from './adapters/https-registry-verifier.ts';
import { KmsPasswordDecryptor } from './adapters/kms-password-decryptor.ts';
import { verifyCredentialHandler } from './http/handlers/verify-credential.ts';

export const handler = verifyCredentialHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  decryptor: KmsPasswordDecryptor.fromEnv(),
  verifier: HttpsRegistryVerifier.fromEnv(),
  clock: { now: () => new Date() },
});
