// Lambda entry (composition root): imports nothing of KMS.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { listCredentialsHandler } from './http/handlers/list-credentials.ts';

export const handler = listCredentialsHandler({ store: DynamoDbCredentialStore.fromEnv() });
