// The SQS batch adapter (the re-verify fan-out's way to the verify queue), driven through the real
// SDK client, configured as in production plus an endpoint override, against a loopback peer
// speaking SQS's JSON protocol: batches of at most 10, one {"project","id"} message per credential,
// failed entries (and only those) resent up to 3 attempts in all, then an error; a refused call fails.
import { createHash } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientConfig } from '../../functions/adapters/aws-clients.ts';
import { SqsVerifyRequests } from '../../functions/adapters/sqs-verify-requests.ts';
import { startAwsJsonPeer, type AwsJsonPeer, type PeerAnswer, type PeerRequest } from '../support/aws-json-peer.ts';

let peer: AwsJsonPeer;
let requests: SqsVerifyRequests;
let queueUrl: string;

beforeAll(async () => {
  peer = await startAwsJsonPeer('application/x-amz-json-1.0');
  queueUrl = `${peer.url}/123456789012/regcred-verify`;
  const sqs = new SQSClient({ ...clientConfig, endpoint: peer.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOOPBACK', secretAccessKey: 'loopback' } });
  requests = new SqsVerifyRequests(sqs, queueUrl);
});
afterAll(() => peer?.close());
beforeEach(() => void peer.requests.splice(0));

type Entry = { Id: string; MessageBody: string };
const credentials = (n: number) => Array.from({ length: n }, (_, i) => ({ project: `p${i % 3}`, id: crypto.randomUUID() }));
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const ok = (entry: Entry) => ({ Id: entry.Id, MessageId: crypto.randomUUID(), MD5OfMessageBody: md5(entry.MessageBody) });
/** SQS's answer to a batch: every entry sent, except those in `failing`, which fail. */
function batchAnswer(request: PeerRequest, failing: ReadonlySet<string> = new Set()): PeerAnswer {
  const entries = request.body.Entries as Entry[];
  return {
    body: {
      Successful: entries.filter((e) => !failing.has(e.Id)).map(ok),
      Failed: entries.filter((e) => failing.has(e.Id)).map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' })),
    },
  };
}
const sentEntries = () => peer.requests.map((r) => (r.body.Entries as Entry[]).map((e) => [e.Id, JSON.parse(e.MessageBody)]));

describe('SqsVerifyRequests', () => {
  it('sends 23 credentials as batches of 10, 10 and 3, one {"project","id"} message each, to the queue URL', async () => {
    const refs = credentials(23);
    peer.answer = (request) => batchAnswer(request);
    await requests.enqueue(refs);
    expect(peer.requests.map((r) => [r.method, r.path, r.target, r.headers['content-type'], r.body.QueueUrl])).toEqual(
      Array(3).fill(['POST', '/', 'AmazonSQS.SendMessageBatch', 'application/x-amz-json-1.0', queueUrl]),
    );
    expect(peer.requests[0]!.headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/eu-west-1\/sqs\/aws4_request, /);
    expect(sentEntries()).toEqual([
      refs.slice(0, 10).map((c, k) => [String(k), { project: c.project, id: c.id }]),
      refs.slice(10, 20).map((c, k) => [String(k), { project: c.project, id: c.id }]),
      refs.slice(20).map((c, k) => [String(k), { project: c.project, id: c.id }]),
    ]);
    // The message body is exactly what the Credential Added rule sends: the two keys, in this order.
    expect((peer.requests[0]!.body.Entries as Entry[])[0]!.MessageBody).toBe(JSON.stringify({ project: refs[0]!.project, id: refs[0]!.id }));
  });

  it('sends nothing for no credentials', async () => {
    await requests.enqueue([]);
    expect(peer.requests).toEqual([]);
  });

  it('resends only the entries SQS reported failed, then goes on with the next batch', async () => {
    const refs = credentials(12);
    // The first call fails entries 3 and 7; their resend succeeds; then the second batch.
    peer.answer = (request, index) => batchAnswer(request, index === 0 ? new Set(['3', '7']) : new Set());
    await requests.enqueue(refs);
    const body = (c: { project: string; id: string }) => ({ project: c.project, id: c.id });
    expect(sentEntries()).toEqual([
      refs.slice(0, 10).map((c, k) => [String(k), body(c)]),
      [['3', body(refs[3]!)], ['7', body(refs[7]!)]],
      refs.slice(10).map((c, k) => [String(k), body(c)]),
    ]);
  });

  it('gives up after 3 attempts of an entry that keeps failing, and sends no later batch', async () => {
    const refs = credentials(15);
    peer.answer = (request) => batchAnswer(request, new Set(['2']));
    await expect(requests.enqueue(refs)).rejects.toThrow('1 verify requests could not be enqueued');
    expect(sentEntries().map((batch) => batch.map(([id]) => id))).toEqual([['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ['2'], ['2']]);
  });

  it('fails when SQS refuses the call (a missing queue), without resending it', async () => {
    peer.answer = () => ({
      status: 400,
      headers: { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
      body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
    });
    await expect(requests.enqueue(credentials(2))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    expect(peer.requests).toHaveLength(1);
  });

  it('fails when SQS answers a body whose MD5 does not match what was sent (the SDK checks it)', async () => {
    peer.answer = (request) => ({ body: { Successful: (request.body.Entries as Entry[]).map((e) => ({ ...ok(e), MD5OfMessageBody: md5('other') })), Failed: [] } });
    await expect(requests.enqueue(credentials(1))).rejects.toThrow(/MD5/i);
  });
});
