// Lambda entry (composition root): reads and decrypts, never writes or encrypts.
import { DynamoDbCredentialReader } from './adapters/dynamodb-credential-reader.ts';
import { KmsPasswordDecryptor } from './adapters/kms-password-decryptor.ts';
import { resolveRegistryAuthHandler } from './http/handlers/resolve-registry-auth.ts';

export const handler = resolveRegistryAuthHandler({
  reader: DynamoDbCredentialReader.fromEnv(),
  decryptor: KmsPasswordDecryptor.fromEnv(),
});
