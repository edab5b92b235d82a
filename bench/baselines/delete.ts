// Cold-start baseline entry: the delete handler's DynamoDB client, GetItem then TransactWriteItems.
import { bareDelete, dynamoClient } from './bare.ts';

export const handler = bareDelete(dynamoClient(), process.env['REGCRED_TABLE_NAME'] ?? '');
