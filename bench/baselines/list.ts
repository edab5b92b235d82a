// Cold-start baseline entry: the list handler's DynamoDB client and Query, nothing else.
import { bareList, dynamoClient } from './bare.ts';

export const handler = bareList(dynamoClient(), process.env['REGCRED_TABLE_NAME'] ?? '');
