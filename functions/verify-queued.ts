// Lambda entry (composition root): the verify queue's worker (schedule and `Credential Added` rule).
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from './adapters/https-registry-verifier.ts';
import { KmsPasswordDecryptor } from './adapters/kms-password-decryptor.ts';
import { verifyQueuedHandler } from './workers/verify-queued.ts';

export const handler = verifyQueuedHandler({
  store: DynamoDbCredentialStore.fromEnv(),
  decryptor: KmsPasswordDecryptor.fromEnv(),
  verifier: HttpsRegistryVerifier.fromEnv(),
  clock: { now: () => new Date() },
});
