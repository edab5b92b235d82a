// A gate in front of DynamoDB Local (which checks no signature and no policy): each request is
// verified as its principal's, mapped to the IAM actions DynamoDB would authorise (a transaction item
// by item, with dynamodb:LeadingKeys), evaluated, and only then forwarded unchanged.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Gate, NeededPermission } from '../iam/gate.ts';
import { foreignRequest, foreignRequestBody } from '../origin-guard.ts';

export interface DynamoDbGateOptions {
  readonly upstream: string;
  readonly gate: Gate;
  readonly region: string;
  readonly account: string;
  /** The partition key attribute of a table, for dynamodb:LeadingKeys. */
  readonly hashKeyOf: (tableName: string) => string | undefined;
  readonly port: number;
  readonly host: string;
}

const maxRequestBytes = 16 * 1024 * 1024;
type Input = Record<string, any>;

export function dynamoDbPermissions(target: string, input: Input, options: Pick<DynamoDbGateOptions, 'region' | 'account' | 'hashKeyOf'>, streamOfIterator: (iterator: string) => string | undefined): NeededPermission[] {
  const [prefix = '', operation = ''] = target.split('.');
  const tableArn = (name: unknown) => `arn:aws:dynamodb:${options.region}:${options.account}:table/${String(name)}`;
  const leading = (table: unknown, keys: readonly Input[]) => {
    const hash = options.hashKeyOf(String(table));
    const values = keys.map((key) => scalar(hash ? key?.[hash] : undefined)).filter((v): v is string => v !== undefined);
    return values.length > 0 ? { 'dynamodb:LeadingKeys': [...new Set(values)] } : {};
  };
  const onTable = (action: string, body: Input, keys: readonly Input[] = []): NeededPermission => ({
    action: `dynamodb:${action}`,
    resource: body['IndexName'] ? `${tableArn(body['TableName'])}/index/${body['IndexName']}` : tableArn(body['TableName']),
    context: { ...leading(body['TableName'], keys), ...(body['ReturnValues'] && { 'dynamodb:ReturnValues': String(body['ReturnValues']) }), ...(body['Select'] && { 'dynamodb:Select': String(body['Select']) }) },
  });
  if (prefix === 'DynamoDBStreams_20120810') {
    if (operation === 'ListStreams') return [{ action: 'dynamodb:ListStreams', resource: '*' }];
    // GetRecords is authorised on the stream its iterator was handed out for, never on a claimed StreamArn.
    if (operation === 'GetRecords') return [{ action: 'dynamodb:GetRecords', resource: streamOfIterator(String(input['ShardIterator'])) ?? 'unknown-stream' }];
    if (operation === 'DescribeStream' || operation === 'GetShardIterator') return [{ action: `dynamodb:${operation}`, resource: String(input['StreamArn'] ?? 'unknown-stream') }];
    throw new UnsupportedRequest(`${target} is not a DynamoDB Streams operation`);
  }
  if (prefix !== 'DynamoDB_20120810') throw new UnsupportedRequest(`${target} is not a DynamoDB operation`);
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [onTable(operation, input, [input['Key']])];
    case 'PutItem':
      return [onTable(operation, input, [input['Item']])];
    case 'Query':
      return [onTable(operation, input, queryKeys(input, options.hashKeyOf(String(input['TableName']))))];
    case 'BatchGetItem':
      return Object.entries(nonEmptyMap(input['RequestItems'])).map(([TableName, body]) => onTable('BatchGetItem', { TableName }, arrayOf(body['Keys'])));
    case 'BatchWriteItem':
      return Object.entries(nonEmptyMap(input['RequestItems'])).map(([TableName, writes]) =>
        onTable('BatchWriteItem', { TableName }, arrayOf(writes).map((w) => w['PutRequest']?.['Item'] ?? w['DeleteRequest']?.['Key'])),
      );
    case 'TransactWriteItems':
      return nonEmptyArray(input['TransactItems']).map((item) => {
        const members = Object.entries(item ?? {});
        if (members.length !== 1) throw new UnsupportedRequest('each TransactItems element must hold exactly one operation');
        const [kind, body] = members[0] as [string, Input];
        const action = { Put: 'PutItem', Delete: 'DeleteItem', Update: 'UpdateItem', ConditionCheck: 'ConditionCheckItem' }[kind];
        if (!action) throw new UnsupportedRequest(`TransactItems element ${kind} is not an operation`);
        return onTable(action, body, [body['Item'] ?? body['Key']]);
      });
    case 'TransactGetItems':
      return nonEmptyArray(input['TransactItems']).map((item) => onTable('GetItem', item?.['Get'] ?? {}, [item?.['Get']?.['Key']]));
    case 'ListTables':
      return [{ action: 'dynamodb:ListTables', resource: '*' }];
    default:
      return [onTable(operation, input)];
  }
}

/** A request the gate cannot map to the IAM actions it needs: refused, never forwarded unchecked. */
export class UnsupportedRequest extends Error {}

function nonEmptyMap(value: unknown): Record<string, any> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) throw new UnsupportedRequest('RequestItems must name at least one table');
  return value as Record<string, any>;
}
function nonEmptyArray(value: unknown): any[] {
  if (!Array.isArray(value) || value.length === 0) throw new UnsupportedRequest('TransactItems must hold at least one item');
  return value;
}
function arrayOf(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** The partition key values a Query's key condition names (`pk = :v`, with or without #names). */
function queryKeys(input: Input, hash: string | undefined): Input[] {
  const condition = String(input['KeyConditionExpression'] ?? '');
  const names = (input['ExpressionAttributeNames'] ?? {}) as Record<string, string>;
  const values = (input['ExpressionAttributeValues'] ?? {}) as Record<string, Input>;
  const keys: Input[] = [];
  for (const [, name = '', value = ''] of condition.matchAll(/(#?[\w]+)\s*=\s*(:[\w]+)/g)) {
    const attribute = name.startsWith('#') ? names[name] : name;
    if (hash && attribute === hash) keys.push({ [hash]: values[value] });
  }
  return keys;
}

function scalar(value: Input | undefined): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const s = value['S'] ?? value['N'] ?? value['B'];
  return typeof s === 'string' ? s : undefined;
}

export async function startDynamoDbGate(options: DynamoDbGateOptions): Promise<{ server: Server; url: string }> {
  const upstream = new URL(options.upstream);
  // GetRecords names only an iterator: remember which stream each iterator handed out belongs to.
  const iteratorStreams = new Map<string, string>();
  const remember = (iterator: unknown, stream: string) => {
    if (typeof iterator !== 'string') return;
    // Oldest first: a live iterator is always among the newest.
    if (iteratorStreams.size >= 10_000) iteratorStreams.delete(iteratorStreams.keys().next().value!);
    iteratorStreams.set(iterator, stream);
  };
  const server = createServer((req, res) => void handle(req, res).catch(() => fail(res, 500, 'InternalServerError', 'The local DynamoDB gate failed')));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const foreign = foreignRequest(req);
    if (foreign) {
      res.writeHead(foreign.status, { 'content-type': 'application/x-amz-json-1.0', connection: 'close' });
      return void res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', ...foreignRequestBody(foreign) }));
    }
    const body = await readAll(req, maxRequestBytes);
    if (!body) return fail(res, 413, 'ValidationException', 'Request too large');
    const target = String(req.headers['x-amz-target'] ?? '');
    const who = await options.gate.authenticate('dynamodb', { method: req.method ?? 'POST', target: req.url ?? '/', headers: req.headers, body });
    if (!who.ok) return fail(res, who.status, who.errorType, who.message);
    let input: Input;
    try {
      input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Input) : {};
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('not an object');
    } catch {
      // What cannot be read cannot be authorised: never forwarded.
      return fail(res, 400, 'SerializationException', 'The request body is not a JSON object');
    }
    let needed: NeededPermission[];
    try {
      needed = dynamoDbPermissions(target, input, options, (i) => iteratorStreams.get(i));
    } catch (error) {
      if (!(error instanceof UnsupportedRequest)) throw error;
      return fail(res, 400, 'ValidationException', error.message);
    }
    const stream = target === 'DynamoDBStreams_20120810.GetRecords' ? iteratorStreams.get(String(input['ShardIterator'])) : target === 'DynamoDBStreams_20120810.GetShardIterator' ? String(input['StreamArn']) : undefined;
    const allowed = await options.gate.authorize(who.principal, needed);
    if (!allowed.ok) return fail(res, allowed.status, allowed.errorType, allowed.message);
    const forwarded = await forward(req, body);
    if (stream && forwarded.status === 200) {
      const out = JSON.parse(forwarded.body.toString('utf8') || '{}') as Input;
      remember(out['ShardIterator'], stream);
      remember(out['NextShardIterator'], stream);
    }
    res.writeHead(forwarded.status, forwarded.headers);
    res.end(forwarded.body);
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((done, failed) => {
      const headers = { ...req.headers, host: upstream.host };
      const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const { connection: _c, 'transfer-encoding': _t, ...rest } = answer.headers;
          done({ status: answer.statusCode ?? 500, headers: rest as Record<string, string | string[]>, body: Buffer.concat(chunks) });
        });
        answer.on('error', failed);
      });
      out.on('error', failed);
      out.end(body);
    });
  }

  await new Promise<void>((done, failed) => {
    server.once('error', failed);
    server.listen(options.port, options.host, done);
  });
  server.keepAliveTimeout = 5000;
  return { server, url: `http://${options.host}:${(server.address() as AddressInfo).port}` };
}

function fail(res: ServerResponse, status: number, errorType: string, message: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': errorType });
  res.end(JSON.stringify({ __type: `com.amazon.coral.service#${errorType}`, Message: message, message }));
}

async function readAll(req: IncomingMessage, cap: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > cap) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
