// The one mapping from a table change to an event (adapters/stream-records.ts reads the stream
// record into a credential change, core/credential-events.ts maps that to the event), and the publisher
// around it: publishChanges' resume point, the EventBridge sink's retries of FailedEntryCount
// entries and the Lambda handler's partial batch failure. EventBridge is a local HTTP endpoint on
// 127.0.0.1 speaking PutEvents' JSON protocol, driven through the real SDK client, because a
// partially failed PutEvents cannot be produced without AWS.
import { createServer, type Server } from 'node:http';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeEventSink } from '../../functions/adapters/eventbridge-event-sink.ts';
import { toStreamedChange } from '../../functions/adapters/stream-records.ts';
import { credentialEvent, type CredentialChange } from '../../functions/core/credential-events.ts';
import type { EventSink } from '../../functions/core/ports.ts';
import { publishChanges } from '../../functions/core/publish-changes.ts';
import { publishEventsHandler } from '../../functions/workers/publish-events.ts';

const id = '01a21c07-59f0-7f3a-acd8-6ca0ff36f524';
const item = (extra: Record<string, unknown> = {}): ItemImage => ({
  pk: 'PROJECT#team-a',
  sk: `CREDENTIAL#${id}`,
  id,
  server: 'https://index.docker.io/v1/',
  registry: 'docker.io',
  username: 'me',
  createdAt: '2026-11-27T08:00:00.000Z',
  version: 1,
  ciphertext: new Uint8Array([1, 2, 3]),
  ...extra,
});
type ItemImage = Readonly<Record<string, unknown>>;
/** A table change as the stream delivers it (marshalled images), read by the stream adapter. */
const change = (kind: CredentialChange['kind'], oldImage?: ItemImage, newImage?: ItemImage): CredentialChange =>
  toStreamedChange({
    eventID: 'stream-record-1',
    eventName: kind,
    dynamodb: {
      ApproximateCreationDateTime: Date.parse('2026-11-27T08:09:00.000Z') / 1000,
      ...(oldImage && { OldImage: marshall(oldImage) }),
      ...(newImage && { NewImage: marshall(newImage) }),
    },
  }).change;
const data = { project: 'team-a', credentialId: id, registry: 'docker.io', server: 'https://index.docker.io/v1/', username: 'me' };

describe('credentialEvent: a table change in, the event or null out', () => {
  it('INSERT: Credential Added at the item\'s createdAt, with the status when the add checked', () => {
    expect(credentialEvent(change('INSERT', undefined, item()))).toEqual({
      detailType: 'Credential Added',
      detail: { metadata: { id: 'stream-record-1', version: 1, time: '2026-11-27T08:00:00.000Z' }, data },
    });
    expect(credentialEvent(change('INSERT', undefined, item({ status: 'valid', checkedAt: 'x' })))?.detail.data).toEqual({ ...data, status: 'valid' });
  });

  it('REMOVE: Credential Deleted at the stream time; a missing username is null', () => {
    const { username: _, ...anonymous } = item();
    expect(credentialEvent(change('REMOVE', anonymous, undefined))).toEqual({
      detailType: 'Credential Deleted',
      detail: { metadata: { id: 'stream-record-1', version: 1, time: '2026-11-27T08:09:00.000Z' }, data: { ...data, username: null } },
    });
  });

  it('a new version: Credential Updated naming exactly the changed fields (a legacy item without version counts as 1)', () => {
    const { version: _, ...legacy } = item();
    const updated = (after: ItemImage, before: ItemImage = legacy) => credentialEvent(change('MODIFY', before, after));
    const at = { version: 2, updatedAt: '2026-11-27T08:05:00.000Z' };
    expect(updated(item({ ...at, ciphertext: new Uint8Array([9]) }))).toEqual({
      detailType: 'Credential Updated',
      detail: { metadata: { id: 'stream-record-1', version: 1, time: at.updatedAt }, data: { ...data, changed: ['password'] } },
    });
    expect(updated(item({ ...at, username: 'you', email: 'a@b.c' }))?.detail.data.changed).toEqual(['username', 'email']);
    expect(updated(item({ ...at, ciphertext: new Uint8Array([1, 2, 3]) }))?.detail.data.changed).toEqual([]);
    // A Lambda event carries binary attributes as base64 text: read as the bytes it encodes.
    const inLambdaEvent = (image: ItemImage, base64: string) => ({ ...marshall(image), ciphertext: { B: base64 } });
    const fromLambda = (before: string, after: string) =>
      credentialEvent(toStreamedChange({ eventID: 'r', eventName: 'MODIFY', dynamodb: { OldImage: inLambdaEvent(item(), before), NewImage: inLambdaEvent(item(at), after) } }).change);
    expect(fromLambda('AQID', 'AQIE')?.detail.data.changed).toEqual(['password']);
    expect(fromLambda('AQID', 'AQID')?.detail.data.changed).toEqual([]);
  });

  it('a new check result: Verified when valid, Verification Failed otherwise, at checkedAt', () => {
    const claimed = item({ checkStartedAt: 5 });
    for (const [status, detailType] of [['valid', 'Credential Verified'], ['invalid', 'Credential Verification Failed'], ['unreachable', 'Credential Verification Failed'], ['unsupported', 'Credential Verification Failed']]) {
      const after = item({ checkStartedAt: 5, status, checkedAt: '2026-11-27T08:07:00.000Z', checkedVersion: 1 });
      expect(credentialEvent(change('MODIFY', claimed, after))).toEqual({
        detailType,
        detail: { metadata: { id: 'stream-record-1', version: 1, time: '2026-11-27T08:07:00.000Z' }, data: { ...data, status } },
      });
    }
  });

  it('null for a check claim, a repeated write and registry guards; the ciphertext never reaches an event', () => {
    expect(credentialEvent(change('MODIFY', item(), item({ checkStartedAt: 1 })))).toBeNull();
    expect(credentialEvent(change('MODIFY', item({ status: 'valid', checkedAt: 'a' }), item({ status: 'valid', checkedAt: 'a', checkStartedAt: 2 })))).toBeNull();
    const guard = { pk: 'PROJECT#team-a', sk: 'REGISTRY#docker.io', credentialId: id };
    for (const kind of ['INSERT', 'MODIFY', 'REMOVE'] as const) expect(credentialEvent(change(kind, guard, guard))).toBeNull();
    const event = credentialEvent(change('INSERT', undefined, item({ password: 'never', secret: 'never', checkedVersion: 1 })));
    expect(JSON.stringify(event)).not.toMatch(/never|ciphertext|checkedVersion/);
  });
});

/** A PutEvents endpoint on 127.0.0.1: `plan` says, per call, which entry indexes fail (or 'error' for a 500). */
function fakeEventBridge(plan: (number[] | 'error')[]) {
  const calls: { DetailType: string; Detail: string; Source: string; EventBusName: string }[][] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const entries = (JSON.parse(body) as { Entries: (typeof calls)[number] }).Entries;
      calls.push(entries);
      const failing = plan.shift() ?? [];
      if (failing === 'error') {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'InternalException', message: 'boom' }));
        return;
      }
      const results = entries.map((_, i) => (failing.includes(i) ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `e-${calls.length}-${i}` }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ FailedEntryCount: failing.length, Entries: results }));
    });
  });
  return { server, calls };
}

let fake: ReturnType<typeof fakeEventBridge>;
let endpoint: string;
beforeAll(async () => {
  fake = fakeEventBridge([]);
  await new Promise<void>((done) => fake.server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((done) => fake.server.close(() => done())));

function sinkWith(plan: (number[] | 'error')[]): EventBridgeEventSink {
  fake.calls.length = 0;
  const fresh = fakeEventBridge(plan);
  fake.server.removeAllListeners('request');
  fake.server.on('request', (req, res) => fresh.server.emit('request', req, res));
  fake.calls = fresh.calls;
  const client = new EventBridgeClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  // A 1 ms backoff base: the retries are what is under test, not the wait.
  return new EventBridgeEventSink(client, 'regcred-bus', 'regcred', 1);
}

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => credentialEvent(change('INSERT', undefined, item({ id: `c${i}`, sk: `CREDENTIAL#c${i}` })))!);

describe('EventBridgeEventSink', () => {
  it('sends 10 entries per call to the bus, then retries only the entries FailedEntryCount reported', async () => {
    const sink = sinkWith([[3, 11 - 10], [], []]);
    expect(await sink.publish(events(12))).toEqual([]);
    expect(fake.calls.map((c) => c.length)).toEqual([10, 2, 2]);
    expect(fake.calls[0]![0]).toMatchObject({ EventBusName: 'regcred-bus', Source: 'regcred', DetailType: 'Credential Added' });
    expect(fake.calls[2]!.map((e) => JSON.parse(e.Detail).data.credentialId)).toEqual(['c1', 'c3']);
  });

  it('gives up after 3 attempts and returns the indexes still failing; a failed call counts for all its entries', async () => {
    const sink = sinkWith(['error', [1], [0]]);
    expect(await sink.publish(events(3))).toEqual([1]);
    expect(fake.calls.map((c) => c.length)).toEqual([3, 3, 1]);
  });
});

describe('publishChanges and the publisher handler', () => {
  const streamRecord = (seq: string, newItem: ItemImage) => ({
    eventID: `ev-${seq}`,
    eventName: 'INSERT',
    dynamodb: { ApproximateCreationDateTime: 1796112000, SequenceNumber: seq, NewImage: marshall(newItem) as never },
  });

  it('reports the first change whose event failed; skips records that make no event', async () => {
    const failing: EventSink = { publish: async (list) => (list.length > 1 ? [1, 2] : []) };
    const guard = { pk: 'PROJECT#team-a', sk: 'REGISTRY#x', credentialId: id };
    const changes = [
      { sequenceNumber: '100', change: change('INSERT', undefined, item()) },
      { sequenceNumber: '200', change: change('INSERT', undefined, guard) },
      { sequenceNumber: '300', change: change('INSERT', undefined, item()) },
      { sequenceNumber: '400', change: change('INSERT', undefined, item()) },
    ];
    expect(await publishChanges(failing, changes)).toBe('300');
    expect(await publishChanges(failing, changes.slice(0, 2))).toBeNull();
    expect(await publishChanges(failing, [])).toBeNull();
  });

  it('a Lambda stream batch: batchItemFailures names the first unpublished sequence number', async () => {
    const handler = publishEventsHandler(sinkWith([[1], [0], [0]]));
    const event = { Records: [streamRecord('11', item()), streamRecord('12', item({ id: 'b' }))] } as unknown as DynamoDBStreamEvent;
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '12' }] });
    expect(JSON.parse(fake.calls[0]![0]!.Detail).metadata).toEqual({ id: 'ev-11', version: 1, time: '2026-11-27T08:00:00.000Z' });
    const ok = publishEventsHandler(sinkWith([]));
    expect(await ok(event)).toEqual({ batchItemFailures: [] });
  });
});
