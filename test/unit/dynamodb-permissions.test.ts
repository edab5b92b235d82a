// How the DynamoDB gate (local/aws/dynamodb-gate.ts) maps a request to the IAM actions DynamoDB
// authorises: a transaction item by item, dynamodb:LeadingKeys from keys and key conditions, a
// GetRecords on its iterator's stream only, and a refusal for whatever it cannot map.
import { describe, expect, it } from 'vitest';
import { dynamoDbPermissions, UnsupportedRequest } from '../../local/aws/dynamodb-gate.ts';

const options = { region: 'us-east-1', account: '000000000000', hashKeyOf: (table: string) => (table === 't' ? 'pk' : undefined) };
const table = 'arn:aws:dynamodb:us-east-1:000000000000:table/t';
const map = (target: string, input: Record<string, unknown>, iterators: Record<string, string> = {}) => dynamoDbPermissions(`DynamoDB_20120810.${target}`, input, options, (i) => iterators[i]);
const streams = (target: string, input: Record<string, unknown>, iterators: Record<string, string> = {}) => dynamoDbPermissions(`DynamoDBStreams_20120810.${target}`, input, options, (i) => iterators[i]);

describe('the DynamoDB gate’s request mapping', () => {
  it('a transaction is authorised item by item, each with its partition key', () => {
    const needed = map('TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 't', Item: { pk: { S: 'PROJECT#a' } } } }, { Delete: { TableName: 't', Key: { pk: { S: 'PROJECT#b' } } } }, { ConditionCheck: { TableName: 't', Key: { pk: { S: 'PROJECT#a' } } } }],
    });
    expect(needed.map((n) => [n.action, n.resource, n.context?.['dynamodb:LeadingKeys']])).toEqual([
      ['dynamodb:PutItem', table, ['PROJECT#a']],
      ['dynamodb:DeleteItem', table, ['PROJECT#b']],
      ['dynamodb:ConditionCheckItem', table, ['PROJECT#a']],
    ]);
  });

  it('a Query names its partition key value, through #names too; an index is its own resource', () => {
    const [query] = map('Query', { TableName: 't', IndexName: 'byRegistry', KeyConditionExpression: '#p = :p AND begins_with(sk, :s)', ExpressionAttributeNames: { '#p': 'pk' }, ExpressionAttributeValues: { ':p': { S: 'PROJECT#a' }, ':s': { S: 'C' } } });
    expect(query).toMatchObject({ action: 'dynamodb:Query', resource: `${table}/index/byRegistry`, context: { 'dynamodb:LeadingKeys': ['PROJECT#a'] } });
  });

  it('GetRecords is authorised on the stream its iterator came from, whatever StreamArn the request claims', () => {
    const iterators = { 'it-1': `${table}/stream/2026` };
    expect(streams('GetRecords', { ShardIterator: 'it-1', StreamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/other/stream/1' }, iterators)).toEqual([{ action: 'dynamodb:GetRecords', resource: `${table}/stream/2026` }]);
    expect(streams('GetRecords', { ShardIterator: 'forged' }, iterators)).toEqual([{ action: 'dynamodb:GetRecords', resource: 'unknown-stream' }]);
  });

  it.each([
    ['an empty batch', () => map('BatchWriteItem', { RequestItems: {} })],
    ['a batch without RequestItems', () => map('BatchGetItem', {})],
    ['an empty transaction', () => map('TransactWriteItems', { TransactItems: [] })],
    ['a transaction item with two operations', () => map('TransactWriteItems', { TransactItems: [{ ConditionCheck: { TableName: 't' }, Put: { TableName: 't' } }] })],
    ['an unknown transaction operation', () => map('TransactWriteItems', { TransactItems: [{ Upsert: { TableName: 't' } }] })],
    ['a table operation under the Streams prefix', () => streams('GetItem', { TableName: 't' })],
    ['an unknown target prefix', () => dynamoDbPermissions('Other_2012.GetItem', { TableName: 't' }, options, () => undefined)],
  ])('refuses %s rather than forwarding it unchecked', (_, request) => {
    expect(request).toThrow(UnsupportedRequest);
  });
});
