// Lambda entry (composition root): imports nothing of KMS.
import { DynamoDbCredentialLister } from './adapters/dynamodb-credential-list.ts';
import { listCredentialsHandler } from './http/handlers/list-credentials.ts';

export const handler = listCredentialsHandler({ store: DynamoDbCredentialLister.fromEnv() });
