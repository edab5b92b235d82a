// Cold-start baseline entry: the add handler's KMS and DynamoDB clients, Encrypt then TransactWriteItems.
import { bareAdd, dynamoClient, kmsClient } from './bare.ts';

export const handler = bareAdd(kmsClient(), dynamoClient(), process.env['REGCRED_TABLE_NAME'] ?? '', process.env['REGCRED_KMS_KEY_ID'] ?? '');
