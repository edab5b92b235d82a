// Cold-start baseline entry: the resolve handler's DynamoDB and KMS clients, BatchGetItem, GetItem, Decrypt.
import { dynamoClient, kmsClient } from './bare.ts';
import { bareResolve } from './bare-resolve.ts';

export const handler = bareResolve(kmsClient(), dynamoClient(), process.env['REGCRED_TABLE_NAME'] ?? '', process.env['REGCRED_KMS_KEY_ID'] ?? '');
