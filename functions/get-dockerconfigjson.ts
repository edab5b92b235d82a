// Lambda entry (composition root): reads and decrypts, never writes or encrypts.
import { DynamoDbCredentialReader } from './adapters/dynamodb-credential-reader.ts';
import { KmsPasswordDecryptor } from './adapters/kms-password-decryptor.ts';
import { getDockerConfigJsonHandler } from './http/handlers/get-dockerconfigjson.ts';

export const handler = getDockerConfigJsonHandler({
  reader: DynamoDbCredentialReader.fromEnv(),
  decryptor: KmsPasswordDecryptor.fromEnv(),
});
