// Events out, end to end on the run's `npm start`: the handlers change the table in DynamoDB Local,
// npm start's stream publisher reads the table's stream and appends the events to
// <home>/events.ndjson, and `regcred events tail` prints them. A real registry (docker-registry on
// 127.0.0.1) makes verify pass and fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { routes } from '../../functions/contract/routes.ts';
import { tailEvents } from '../../cli/events.ts';
import { run } from '../../cli/program.ts';
import { waitForEvents } from '../support/events.ts';
import { invoke, loadHandlers, uniqueProject, type Handlers } from '../support/handlers.ts';
import { startRegistry, type TestRegistry } from '../support/registry.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';

const username = 'events-user';
const password = trackCredential(username, `events-good-${crypto.randomUUID()}`);
const wrong = trackCredential(username, `events-wrong-${crypto.randomUUID()}`);
let h: Handlers;
let registry: TestRegistry;

beforeAll(async () => {
  [h, registry] = await Promise.all([loadHandlers(), startRegistry({ username, password })]);
});
afterAll(async () => {
  await registry?.stop();
});

const ok = async (reply: Promise<{ status: number; json: any; text: string }>, status: number) => {
  const r = await reply;
  expect(r.status, r.text).toBe(status);
  return r.json;
};

describe('events out (npm start: DynamoDB Local stream -> events.ndjson)', () => {
  it('add, verify, update, verify, delete: exactly these events, in order, without a password', async () => {
    const project = uniqueProject('events');
    const server = registry.url;
    const registryKey = registry.host;
    const added = await ok(invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server, username, password } }), 201);
    const id = added.id as string;
    const params = { pathParameters: { project, id } };
    // A second credential of the project, added with ?verify=true: its Added event carries the status.
    const other = await ok(
      invoke(h.add, routes.addCredential, {
        pathParameters: { project },
        body: { server: 'localhost:1', password: wrong },
        query: { verify: 'true' },
      }),
      201,
    );
    expect((await ok(invoke(h.verify, routes.verifyCredential, params), 200)).status).toBe('valid');
    await ok(invoke(h.update, routes.updateCredential, { ...params, body: { password: wrong, email: 'ops@example.com' } }), 200);
    await ok(invoke(h.update, routes.updateCredential, { ...params, body: { email: null } }), 200);
    expect((await ok(invoke(h.verify, routes.verifyCredential, params), 200)).status).toBe('invalid');
    expect((await invoke(h.delete, routes.deleteCredential, params)).status).toBe(204);
    await ok(invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id: other.id } }), 204);

    const events = await waitForEvents(project, 8);
    const base = { project, credentialId: id, registry: registryKey, server, username };
    expect(events.filter((e) => e.detail.data.credentialId === id).map((e) => [e['detail-type'], e.detail.data])).toEqual([
      ['Credential Added', base],
      ['Credential Verified', { ...base, status: 'valid' }],
      ['Credential Updated', { ...base, changed: ['password', 'email'] }],
      ['Credential Updated', { ...base, changed: ['email'] }],
      ['Credential Verification Failed', { ...base, status: 'invalid' }],
      ['Credential Deleted', { ...base, status: 'invalid' }],
    ]);
    const otherBase = { project, credentialId: other.id, registry: 'localhost:1', server: 'localhost:1', username: null, status: 'unreachable' };
    expect(events.filter((e) => e.detail.data.credentialId === other.id).map((e) => [e['detail-type'], e.detail.data])).toEqual([
      ['Credential Added', otherBase],
      ['Credential Deleted', otherBase],
    ]);
    expect(events).toHaveLength(8);
    for (const event of events) {
      expect(event).toMatchObject({ version: '0', source: 'regcred', resources: [] });
      expect(event.detail.metadata).toEqual({ id: expect.any(String), version: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    }
    expect(new Set(events.map((e) => e.detail.metadata.id)).size).toBe(8);
    const text = JSON.stringify(events);
    expectNoTrackedSecret(text, 'events.ndjson');
    expect(text).not.toMatch(/"(ciphertext|password|checkStartedAt)":/);
  });

  it('a refused add and a refused update publish nothing', async () => {
    const project = uniqueProject('events');
    const server = registry.url;
    const refused = await invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server, username, password: wrong }, query: { verify: 'true' } });
    expect(refused.status).toBe(422);
    const id = (await ok(invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server: 'localhost:2', password: wrong } }), 201)).id;
    const stale = await invoke(h.update, routes.updateCredential, { pathParameters: { project, id }, body: { email: 'a@example.com' }, headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);
    await ok(invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id } }), 204);
    const events = await waitForEvents(project, 2);
    expect(events.map((e) => e['detail-type'])).toEqual(['Credential Added', 'Credential Deleted']);
  });

  it('regcred events tail prints them; -f follows new ones', async () => {
    const project = uniqueProject('events');
    const out: string[] = [];
    const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t), readStdin: async () => '' };
    const stop = new AbortController();
    const following = tailEvents(io, { home: inject('localStack').home, follow: true, output: 'text', signal: stop.signal, pollMs: 50 });
    const id = (await ok(invoke(h.add, routes.addCredential, { pathParameters: { project }, body: { server: 'localhost:3', username: 'tail', password: wrong } }), 201)).id;
    await waitForEvents(project, 1);
    const deadline = Date.now() + 5000;
    while (!out.join('').includes(`${project}/${id}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await following;
    expect(out.join('')).toMatch(new RegExp(`^\\S+Z  Credential Added  ${project}/${id}  localhost:3  tail$`, 'm'));

    const json: string[] = [];
    expect(await run(['events', 'tail', '--home', inject('localStack').home, '-o', 'json'], { ...io, out: (t) => void json.push(t) })).toBe(0);
    const mine = json.join('').split('\n').filter((l) => l.includes(id));
    expect(mine.map((l) => JSON.parse(l)['detail-type'])).toEqual(['Credential Added']);
    await ok(invoke(h.delete, routes.deleteCredential, { pathParameters: { project, id } }), 204);

    const errors: string[] = [];
    expect(await run(['events', 'tail', '--home', '/nonexistent-regcred-home'], { ...io, err: (t) => void errors.push(t) })).toBe(2);
    expect(errors.join('')).toMatch(/No events yet: \/nonexistent-regcred-home\/events\.ndjson does not exist/);
  });
});
