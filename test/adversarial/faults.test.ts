// Faults in KMS and DynamoDB, injected where the AWS SDK hands a signed request to the network.
//
// Most faults here come from a deliberate mock: an SDK request handler (an object with handle())
// passed to the adapters' fromEnv({ requestHandler }). It answers chosen calls with a throttling
// response, a 5xx, a refused connection or a transaction cancellation, and passes the rest to a
// real NodeHttpHandler that talks to the run's local stack. These are faults a healthy local stack
// cannot be made to produce for real. A hung dependency, though, is produced for real: a loopback
// TCP server that accepts connections and never answers, reached through the production request
// handler and its timeouts (only the endpoint is overridden).
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbCredentialStore } from '../../functions/adapters/dynamodb-credential-store.ts';
import { HttpsRegistryVerifier } from '../../functions/adapters/https-registry-verifier.ts';
import { KmsPasswordEncryptor } from '../../functions/adapters/kms-password-encryptor.ts';
import { clientConfig, sdkTimeouts } from '../../functions/adapters/aws-clients.ts';
import { errorBody } from '../../functions/contract/schemas.ts';
import { routes } from '../../functions/contract/routes.ts';
import { keyOf } from '../../functions/contract/table.ts';
import { newCredentialId } from '../../functions/core/ids.ts';
import { addCredentialHandler } from '../../functions/http/handlers/add-credential.ts';
import { deleteCredentialHandler } from '../../functions/http/handlers/delete-credential.ts';
import { listCredentialsHandler } from '../../functions/http/handlers/list-credentials.ts';
import { localEnvironment } from '../../local/stack.ts';
import { invoke, localClients, uniqueProject, type Reply } from '../support/handlers.ts';
import { trackSecret } from '../support/secret-audit.ts';
import { tcpStub } from '../support/stub-server.ts';

const stack = inject('localStack');
const lambdaTimeoutMs = 10_000; // infra/constructs/api-function.ts functionDefaults.timeout
const { rawItems } = localClients();

beforeAll(() => {
  Object.assign(process.env, localEnvironment(stack.dynamoDbEndpoint, stack.kmsEndpoint));
});

type HandlerOptions = { abortSignal?: AbortSignal };
type Injected = Promise<{ response: HttpResponse }>;
/** Decides one call: a fault to answer it with, or undefined to let it reach the real service. */
type Fault = (operation: string, call: number, request: HttpRequest, options: HandlerOptions) => Injected | undefined;

/** The mock request handler. Records every operation it sees (X-Amz-Target, e.g. "Encrypt"). */
class FaultInjector {
  readonly calls: string[] = [];
  private readonly real = new NodeHttpHandler(clientConfig.requestHandler);
  private readonly fault: Fault;
  constructor(fault: Fault = () => undefined) {
    this.fault = fault;
  }
  handle(request: HttpRequest, options: HandlerOptions = {}): Injected {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    this.calls.push(operation);
    const call = this.calls.filter((c) => c === operation).length;
    return this.fault(operation, call, request, options) ?? this.real.handle(request, options);
  }
  count(operation: string): number {
    return this.calls.filter((c) => c === operation).length;
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {
    this.real.destroy();
  }
}

/** An AWS JSON-protocol error response, as KMS and DynamoDB send them. */
function awsError(statusCode: number, type: string, extra: Record<string, unknown> = {}): Injected {
  const body = JSON.stringify({ __type: type, message: `injected ${type}`, ...extra });
  return Promise.resolve({
    response: new HttpResponse({
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'injected-fault' },
      body: Readable.from([Buffer.from(body)]),
    }),
  });
}

const connectionRefused = (): Injected =>
  Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }));

/** Never settles unless the SDK aborts it: only the operation deadline can end it. */
const never = (options: HandlerOptions): Injected =>
  new Promise((_, reject) => {
    options.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })), {
      once: true,
    });
  });

const transactionCanceled = (...codes: string[]) =>
  awsError(400, 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', {
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

function handlers(kms: object = new FaultInjector(), db: object = new FaultInjector()) {
  const store = DynamoDbCredentialStore.fromEnv(db instanceof FaultInjector ? { requestHandler: db } : db);
  const encryptor = KmsPasswordEncryptor.fromEnv(kms instanceof FaultInjector ? { requestHandler: kms } : kms);
  return {
    add: addCredentialHandler({ store, encryptor, verifier: HttpsRegistryVerifier.fromEnv(), clock: { now: () => new Date() }, newId: newCredentialId }),
    list: listCredentialsHandler({ store }),
    delete: deleteCredentialHandler({ store }),
  };
}

type Built = ReturnType<typeof handlers>;
const add = (h: Built, project: string, body: Record<string, unknown>) =>
  invoke(h.add, routes.addCredential, { pathParameters: { project }, body });

function expectUnavailable(reply: Reply, password?: string): void {
  expect(reply.status).toBe(503);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(errorBody.parse(reply.json)).toMatchObject({ error: 'Unavailable' });
  if (password) expect(reply.text).not.toContain(password);
}

describe('KMS fails: 503 and nothing written', () => {
  it.each([
    ['throttled (400 ThrottlingException)', () => awsError(400, 'ThrottlingException')],
    ['failing (500 KMSInternalException)', () => awsError(500, 'KMSInternalException')],
    ['down (503 ServiceUnavailable)', () => awsError(503, 'ServiceUnavailable')],
    ['unreachable (connection refused)', connectionRefused],
  ])('KMS %s', async (_, fault) => {
    const kms = new FaultInjector((op) => (op === 'Encrypt' ? fault() : undefined));
    const db = new FaultInjector();
    const project = uniqueProject('kmsfault');
    const password = trackSecret(`kms-fault-${crypto.randomUUID()}`);
    expectUnavailable(await add(handlers(kms, db), project, { server: 'ghcr.io', password }), password);
    expect(kms.count('Encrypt')).toBe(sdkTimeouts.maxAttempts); // the SDK retried, then gave up
    expect(db.calls).toEqual([]); // DynamoDB never reached
    expect(await rawItems(project)).toEqual([]);
  });
});

// The 503's message says what is known: DynamoDB refused the write (or it was never sent), so
// nothing changed; or an attempt got no definite answer (a 5xx, a timeout), so it may have been saved.
const nothingChanged = /unavailable; nothing was changed\.$/;
const maySaved = /did not answer in time; the credential may have been saved: list the project's credentials to check/;

describe('DynamoDB fails after KMS succeeded: 503, no item, no orphaned guard', () => {
  it.each([
    ['failing (500 InternalServerError)', () => awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'), maySaved],
    ['throttled (ThrottlingException)', () => awsError(400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException'), nothingChanged],
    ['unreachable (connection refused)', connectionRefused, nothingChanged],
    ['cancelling every transaction (TransactionConflict)', () => transactionCanceled('None', 'TransactionConflict'), nothingChanged],
  ])('DynamoDB %s', async (_, fault, message) => {
    const kms = new FaultInjector();
    const db = new FaultInjector((op) => (op === 'TransactWriteItems' ? fault() : undefined));
    const project = uniqueProject('dbfault');
    const password = trackSecret(`db-fault-${crypto.randomUUID()}`);
    const reply = await add(handlers(kms, db), project, { server: 'quay.io', password });
    expectUnavailable(reply, password);
    expect(reply.json.message).toMatch(message);
    expect(kms.count('Encrypt')).toBe(1); // KMS did its part
    expect(db.count('TransactWriteItems')).toBeGreaterThanOrEqual(sdkTimeouts.maxAttempts);
    expect(await rawItems(project)).toEqual([]); // neither the credential nor its REGISTRY# guard

    // The registry is still free: a healthy add of the same registry succeeds and is listed.
    const healthy = handlers();
    const later = await add(healthy, project, { server: 'https://quay.io/v2/', password: trackSecret(`db-fault-later-${crypto.randomUUID()}`) });
    expect(later.status).toBe(201);
    const listed = await invoke(healthy.list, routes.listCredentials, { pathParameters: { project } });
    expect(listed.json.items.map((i: { id: string }) => i.id)).toEqual([later.json.id]);
  });

  it('a failing registry-owner read is a 503, not a 500 (regression)', async () => {
    // The guard check fails without returning the owner, and reading the owner fails too.
    const db = new FaultInjector((op) => {
      if (op === 'TransactWriteItems') return transactionCanceled('ConditionalCheckFailed', 'None');
      if (op === 'GetItem') return awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError');
      return undefined;
    });
    const project = uniqueProject('ownerfault');
    const reply = await add(handlers(new FaultInjector(), db), project, { server: 'quay.io', password: trackSecret('owner-read-fault-pw') });
    expectUnavailable(reply);
    expect(await rawItems(project)).toEqual([]);
  });

  it('a guard that vanishes between the check and the owner read frees the registry, never a 409 without an id (regression)', async () => {
    // A concurrent delete removed the guard after the check failed: the old code answered 409 with
    // existingId "unknown", which is not the documented error shape. Now the add retries and wins.
    const db = new FaultInjector((op, call) =>
      op === 'TransactWriteItems' && call === 1 ? transactionCanceled('ConditionalCheckFailed', 'None') : undefined,
    );
    const project = uniqueProject('vanish');
    const h = handlers(new FaultInjector(), db);
    const reply = await add(h, project, { server: 'quay.io', password: trackSecret('vanished-guard-pw') });
    expect(reply.status).toBe(201);
    expect(db.count('GetItem')).toBe(1);
    expect(db.count('TransactWriteItems')).toBe(2);
    const listed = await invoke(h.list, routes.listCredentials, { pathParameters: { project } });
    expect(listed.json.items.map((i: { id: string }) => i.id)).toEqual([reply.json.id]);
  });

  it('a transaction whose response is lost is never reported as failed while written', async () => {
    // The transaction reaches DynamoDB and commits, then the connection drops before the answer.
    // Whatever the handler answers must match the table: 201 and listed, or 503 and nothing there.
    const real = new NodeHttpHandler(clientConfig.requestHandler);
    const db = new FaultInjector((op, call, request, options) =>
      op === 'TransactWriteItems' && call === 1
        ? real.handle(request, options).then(async ({ response }) => {
            for await (const _ of response.body as Readable); // let it finish, then lose it
            throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
          })
        : undefined,
    );
    const project = uniqueProject('lost');
    const h = handlers(new FaultInjector(), db);
    const reply = await add(h, project, { server: 'quay.io', password: trackSecret('lost-response-pw') });
    expect(db.count('TransactWriteItems')).toBe(2); // the SDK retried the lost transaction
    const stored = await rawItems(project);
    if (reply.status === 503) {
      expect(stored).toEqual([]);
    } else {
      expect(reply.status).toBe(201);
      expect(stored.map((i) => i['sk']?.S).sort()).toEqual([keyOf.credential(reply.json.id), keyOf.registryGuard('quay.io')].sort());
    }
    real.destroy();
  });
});

/** Every transaction reaches DynamoDB Local and commits; its answer is held until the deadline aborts the call. */
function transactionsAnsweredTooLate() {
  const real = new NodeHttpHandler(clientConfig.requestHandler);
  const db = new FaultInjector((op, _call, request, options) =>
    op === 'TransactWriteItems'
      ? real.handle(request, options).then(async ({ response }) => {
          for await (const _ of response.body as Readable);
          return never(options);
        })
      : undefined,
  );
  return { db, real };
}

describe('a transaction DynamoDB applies but answers only after the deadline', () => {
  it('add: the 503 says the credential may have been saved, list shows it, and a retried add names it in its 409', async () => {
    const { db, real } = transactionsAnsweredTooLate();
    const project = uniqueProject('late');
    const password = trackSecret(`late-answer-${crypto.randomUUID()}`);
    const started = performance.now();
    const reply = await add(handlers(new FaultInjector(), db), project, { server: 'quay.io', password });
    expectUnavailable(reply, password);
    expect(reply.json.message).toMatch(maySaved);
    expect(performance.now() - started).toBeGreaterThanOrEqual(sdkTimeouts.operationDeadlineMs - 50); // the deadline ended it
    expect(db.count('TransactWriteItems')).toBe(1);

    const healthy = handlers();
    const listed = await invoke(healthy.list, routes.listCredentials, { pathParameters: { project } });
    expect(listed.json.items).toHaveLength(1);
    expect(listed.json.items[0]).toMatchObject({ registry: 'quay.io', server: 'quay.io' });
    const retried = await add(healthy, project, { server: 'quay.io', password });
    expect(retried.status).toBe(409);
    expect(retried.json.existingId).toBe(listed.json.items[0].id);
    real.destroy();
  });

  it('delete: the 503 says it may have been deleted, and list shows it gone', async () => {
    const project = uniqueProject('latedel');
    const healthy = handlers();
    const created = await add(healthy, project, { server: 'ghcr.io', password: trackSecret(`late-delete-${crypto.randomUUID()}`) });
    const { db, real } = transactionsAnsweredTooLate();
    const reply = await invoke(handlers(new FaultInjector(), db).delete, routes.deleteCredential, { pathParameters: { project, id: created.json.id } });
    expectUnavailable(reply);
    expect(reply.json.message).toMatch(/did not answer in time; the credential may have been deleted: list/);
    expect((await invoke(healthy.list, routes.listCredentials, { pathParameters: { project } })).json.items).toEqual([]);
    real.destroy();
  });
});

describe('DynamoDB fails during delete: 503 and nothing deleted', () => {
  it.each([
    ['the transaction fails (500)', 'TransactWriteItems', () => awsError(500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'), /may have been deleted/],
    ['the lookup is throttled', 'GetItem', () => awsError(400, 'com.amazonaws.dynamodb.v20120810#ThrottlingException'), nothingChanged],
    ['the transaction is refused a connection', 'TransactWriteItems', connectionRefused, nothingChanged],
  ])('%s', async (_, failing, fault, message) => {
    const project = uniqueProject('delfault');
    const healthy = handlers();
    const created = await add(healthy, project, { server: 'ghcr.io', password: trackSecret(`del-fault-${crypto.randomUUID()}`) });
    expect(created.status).toBe(201);
    const before = await rawItems(project);
    expect(before).toHaveLength(2);

    const db = new FaultInjector((op) => (op === failing ? fault() : undefined));
    const broken = handlers(new FaultInjector(), db);
    const reply = await invoke(broken.delete, routes.deleteCredential, { pathParameters: { project, id: created.json.id } });
    expectUnavailable(reply);
    expect(reply.json.message).toMatch(message);
    expect(db.count(failing)).toBe(sdkTimeouts.maxAttempts);
    expect(await rawItems(project)).toEqual(before); // the credential and its guard are both still there

    expect((await invoke(healthy.delete, routes.deleteCredential, { pathParameters: { project, id: created.json.id } })).status).toBe(204);
    expect(await rawItems(project)).toEqual([]);
  });
});

describe('a delete whose transaction response is lost', () => {
  it('answers as the table ended up: 204 and gone, or 503 and still there', async () => {
    const project = uniqueProject('lostdel');
    const healthy = handlers();
    const created = await add(healthy, project, { server: 'ghcr.io', password: trackSecret(`lost-delete-${crypto.randomUUID()}`) });
    expect(created.status).toBe(201);
    const real = new NodeHttpHandler(clientConfig.requestHandler);
    const db = new FaultInjector((op, call, request, options) =>
      op === 'TransactWriteItems' && call === 1
        ? real.handle(request, options).then(async ({ response }) => {
            for await (const _ of response.body as Readable); // committed; the answer is lost
            throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
          })
        : undefined,
    );
    const reply = await invoke(handlers(new FaultInjector(), db).delete, routes.deleteCredential, { pathParameters: { project, id: created.json.id } });
    expect(db.count('TransactWriteItems')).toBe(2); // the SDK retried it
    const stored = await rawItems(project);
    if (reply.status === 503) expect(stored).toHaveLength(2);
    else {
      expect(reply.status).toBe(204); // the retry is idempotent (same ClientRequestToken), not a 404
      expect(stored).toEqual([]);
    }
    real.destroy();
  });
});

/** A real fault: a loopback server that accepts TCP connections and never answers. */
const silentServer = () => tcpStub();

const timings: Record<string, number> = {};

async function timed(name: string, run: () => Promise<Reply>): Promise<Reply> {
  const started = performance.now();
  const reply = await run();
  timings[name] = Math.round(performance.now() - started);
  return reply;
}

afterAll(() => {
  // Measured answer times, for the record (and the report).
  console.log(`hung-dependency answer times (ms, Lambda timeout ${lambdaTimeoutMs}): ${JSON.stringify(timings)}`);
});

describe.concurrent('a hung dependency: 503 before the Lambda timeout', () => {
  it('KMS accepts the connection and never answers (real TCP server)', async () => {
    const hung = await silentServer();
    const project = uniqueProject('hungkms');
    const password = trackSecret(`hung-kms-${crypto.randomUUID()}`);
    const reply = await timed('add, KMS hung', () => add(handlers({ endpoint: hung.url }), project, { server: 'ghcr.io', password }));
    expectUnavailable(reply, password);
    expect(timings['add, KMS hung']).toBeLessThan(lambdaTimeoutMs);
    expect(timings['add, KMS hung']).toBeGreaterThanOrEqual(sdkTimeouts.requestTimeoutMs); // a timeout, not a quick error
    expect(hung.connections()).toBe(sdkTimeouts.maxAttempts);
    expect(await rawItems(project)).toEqual([]);
    await hung.close();
  });

  it('DynamoDB accepts the connection and never answers, after KMS succeeded (real TCP server)', async () => {
    const hung = await silentServer();
    const project = uniqueProject('hungdb');
    const password = trackSecret(`hung-db-${crypto.randomUUID()}`);
    const reply = await timed('add, DynamoDB hung', () =>
      add(handlers(new FaultInjector(), { endpoint: hung.url }), project, { server: 'ghcr.io', password }),
    );
    expectUnavailable(reply, password);
    expect(timings['add, DynamoDB hung']).toBeLessThan(lambdaTimeoutMs);
    expect(hung.connections()).toBe(sdkTimeouts.maxAttempts);
    expect(await rawItems(project)).toEqual([]);
    await hung.close();
  });

  it('list and delete with DynamoDB hung (real TCP server)', async () => {
    const hung = await silentServer();
    const h = handlers(new FaultInjector(), { endpoint: hung.url });
    const project = uniqueProject('hunglist');
    const listed = await timed('list, DynamoDB hung', () => invoke(h.list, routes.listCredentials, { pathParameters: { project } }));
    expectUnavailable(listed);
    const deleted = await timed('delete, DynamoDB hung', () =>
      invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id: crypto.randomUUID() } }),
    );
    expectUnavailable(deleted);
    expect(timings['list, DynamoDB hung']).toBeLessThan(lambdaTimeoutMs);
    expect(timings['delete, DynamoDB hung']).toBeLessThan(lambdaTimeoutMs);
    await hung.close();
  });

  it('KMS answers headers, then trickles the body one byte at a time (real TCP server)', async () => {
    // Never silent for long enough to trip the socket timeout: only the operation deadline ends it.
    const timers: NodeJS.Timeout[] = [];
    const trickling = await tcpStub((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: 100000\r\n\r\n{');
        const drip = setInterval(() => socket.writable && socket.write(' '), 200);
        timers.push(drip);
        socket.on('close', () => clearInterval(drip));
      });
    });
    const project = uniqueProject('trickle');
    const password = trackSecret(`trickle-${crypto.randomUUID()}`);
    const reply = await timed('add, KMS trickling', () =>
      add(handlers({ endpoint: trickling.url }), project, { server: 'ghcr.io', password }),
    );
    expectUnavailable(reply, password);
    expect(timings['add, KMS trickling']).toBeLessThan(lambdaTimeoutMs);
    expect(await rawItems(project)).toEqual([]);
    for (const timer of timers) clearInterval(timer);
    await trickling.close();
  });

  it('worst case for add: KMS answers just inside its deadline, then DynamoDB never answers', async () => {
    // Deliberate mock: KMS succeeds (for real) only after most of its deadline; DynamoDB's handler
    // never settles, so only the operation deadline can end the transaction.
    const kms = new FaultInjector((op, _call, request, options) =>
      op === 'Encrypt'
        ? new Promise((resolve) => setTimeout(resolve, sdkTimeouts.operationDeadlineMs - 500)).then(() =>
            new NodeHttpHandler(clientConfig.requestHandler).handle(request, options),
          )
        : undefined,
    );
    const db = new FaultInjector((op, _call, _request, options) => (op === 'TransactWriteItems' ? never(options) : undefined));
    const project = uniqueProject('worst');
    const password = trackSecret(`worst-case-${crypto.randomUUID()}`);
    const reply = await timed('add, KMS slow then DynamoDB hung', () => add(handlers(kms, db), project, { server: 'ghcr.io', password }));
    expectUnavailable(reply, password);
    expect(kms.count('Encrypt')).toBe(1);
    expect(timings['add, KMS slow then DynamoDB hung']).toBeLessThan(lambdaTimeoutMs);
    expect(timings['add, KMS slow then DynamoDB hung']).toBeGreaterThanOrEqual(2 * sdkTimeouts.operationDeadlineMs - 600);
    expect(await rawItems(project)).toEqual([]);
  });
});
