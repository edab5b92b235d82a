// Events in, against the run's DynamoDB Local and local KMS: the enqueuer's one paginated Scan finds
// every credential of every project and no registry guard; the verify queue's worker checks each
// request, stores the result (which the stream publishes as Verified / Verification Failed), treats
// deleted, just-checked and malformed requests as done, and reports a KMS outage (a closed port), or
// a host whose checks for the project are spent, as a batch item failure for SQS to retry.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { DynamoDbCredentialReader } from '../../functions/adapters/dynamodb-credential-reader.ts';
import { DynamoDbCredentialStore } from '../../functions/adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from '../../functions/adapters/https-registry-verifier.ts';
import { KmsPasswordDecryptor } from '../../functions/adapters/kms-password-decryptor.ts';
import { routes } from '../../functions/contract/routes.ts';
import { enqueueReverification, type CredentialRef } from '../../functions/core/reverify.ts';
import { verifyQueuedHandler } from '../../functions/workers/verify-queued.ts';
import { invoke, loadHandlers, uniqueProject, type Handlers } from '../support/handlers.ts';
import { waitForEvents } from '../support/events.ts';
import { freePort } from '../support/registry.ts';
import { trackSecret } from '../support/secret-audit.ts';

let h: Handlers;
beforeAll(async () => {
  h = await loadHandlers();
});

async function add(project: string, server: string): Promise<string> {
  const reply = await invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server, password: trackSecret(`rv-${crypto.randomUUID()}`) } });
  expect(reply.status).toBe(201);
  return reply.json.id;
}

const workerDeps = (kmsEndpoint?: string) => ({
  store: DynamoDbCredentialStore.fromEnv(),
  decryptor: KmsPasswordDecryptor.fromEnv(kmsEndpoint ? { endpoint: kmsEndpoint, maxAttempts: 1 } : {}),
  verifier: HttpsRegistryVerifier.fromEnv(),
  clock: { now: () => new Date() },
});

const sqsEvent = (bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body, eventSource: 'aws:sqs' })) }) as unknown as SQSEvent;

describe('re-verification', () => {
  it('the enqueuer pages through the whole table once: every credential of every project, no guards', async () => {
    const projects = [uniqueProject('rv'), uniqueProject('rv')];
    const ids = [await add(projects[0]!, 'localhost:1'), await add(projects[0]!, 'localhost:2'), await add(projects[1]!, 'localhost:1')];
    const stack = inject('localStack');
    const db = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, region: stack.region, credentials: { accessKeyId: 'regcredlocal', secretAccessKey: 'regcredlocal' } });
    const directory = new DynamoDbCredentialReader(db, stack.tableName, 2);
    let pages = 0;
    const counting = { async *everyCredential() { for await (const page of directory.everyCredential()) (pages++, yield page); } };
    const enqueued: CredentialRef[] = [];
    const count = await enqueueReverification({ directory: counting, requests: { enqueue: async (refs) => void enqueued.push(...refs) } });
    expect(count).toBe(enqueued.length);
    expect(pages).toBeGreaterThan(1);
    const mine = enqueued.filter((r) => projects.includes(r.project));
    expect(mine.map((r) => `${r.project}/${r.id}`).sort()).toEqual([`${projects[0]}/${ids[0]}`, `${projects[0]}/${ids[1]}`, `${projects[1]}/${ids[2]}`].sort());
    expect(enqueued.every((r) => /^[0-9a-f-]{36}$/.test(r.id))).toBe(true);
    db.destroy();
  });

  it('the worker verifies each request and stores the result; gone, just-checked and malformed requests are done', async () => {
    const project = uniqueProject('rv');
    const [unreachable, deleted] = [await add(project, 'localhost:1'), await add(project, 'localhost:2')];
    expect((await invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id: deleted } })).status).toBe(204);
    const handler = verifyQueuedHandler(workerDeps());
    const request = (id: string) => JSON.stringify({ project, id });
    expect(await handler(sqsEvent([request(unreachable), request(deleted), 'not json', '{"project":"UPPER","id":"x"}']))).toEqual({ batchItemFailures: [] });
    const listed = await invoke(h.list, routes.listCredentials, { pathParameters: { project } });
    expect(listed.json.items).toEqual([expect.objectContaining({ id: unreachable, status: 'unreachable', checkedAt: expect.any(String) })]);
    // The stored result reaches the bus through the stream (here npm start's publisher).
    const events = await waitForEvents(project, 4);
    expect(events.filter((e) => e.detail.data.credentialId === unreachable).map((e) => [e['detail-type'], e.detail.data.status])).toEqual([
      ['Credential Added', undefined],
      ['Credential Verification Failed', 'unreachable'],
    ]);
    // Checked a moment ago: rate-limited, which counts as done rather than a retry.
    expect(await handler(sqsEvent([request(unreachable)]))).toEqual({ batchItemFailures: [] });
  });

  it("a host whose checks for the project are spent (10 a minute) is retried, not dropped", async () => {
    const project = uniqueProject('rv');
    const ids = await Promise.all(Array.from({ length: 11 }, (_, i) => add(project, `localhost:4/team${i}`)));
    const handler = verifyQueuedHandler(workerDeps());
    const result = await handler(sqsEvent(ids.map((id) => JSON.stringify({ project, id }))));
    expect(result.batchItemFailures).toHaveLength(1);
    const listed = await invoke(h.list, routes.listCredentials, { pathParameters: { project } });
    expect(listed.json.items.filter((c: { status: string | null }) => c.status === 'unreachable')).toHaveLength(10);
  });

  it('a KMS outage fails exactly the affected messages, for SQS to retry', async () => {
    const project = uniqueProject('rv');
    const id = await add(project, 'localhost:3');
    const handler = verifyQueuedHandler(workerDeps(`http://127.0.0.1:${await freePort()}`));
    const result = await handler(sqsEvent(['garbage', JSON.stringify({ project, id })]));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });
});
