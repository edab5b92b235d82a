// Lambda entry (composition root): imports nothing of KMS.
import { DynamoDbCredentialStore } from './adapters/dynamodb-credential-store.ts';
import { deleteCredentialHandler } from './http/handlers/delete-credential.ts';

export const handler = deleteCredentialHandler({ store: DynamoDbCredentialStore.fromEnv() });
