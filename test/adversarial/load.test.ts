// Load: 500 adds of distinct servers across 5 projects, all in flight at once over real HTTP
// against the run's `npm start` server. Every one must be listed exactly once, in its own project,
// and nowhere else in the table. And races on one registry: deletes and re-adds in flight together
// never leave two credentials or an orphaned guard. REGCRED_LOAD_SCALE multiplies the counts.
import { Agent, request as httpRequest } from 'node:http';
import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { credential, credentialPage } from '../../functions/contract/schemas.ts';
import { keyOf } from '../../functions/contract/table.ts';
import { allPages } from '../support/api.ts';
import { localClients, uniqueProject } from '../support/handlers.ts';
import { checkResponse } from '../support/openapi-check.ts';
import { trackSecret } from '../support/secret-audit.ts';

const { apiUrl } = inject('localStack');
const scale = Number(process.env['REGCRED_LOAD_SCALE'] ?? 1);
const total = Math.round(500 * scale);
const projects = Array.from({ length: 5 }, () => uniqueProject('load'));
const nonce = crypto.randomUUID().slice(0, 8);
const { dynamo, tableName, rawItems } = localClients();

const agent = new Agent({ keepAlive: true, maxSockets: total });
afterAll(() => agent.destroy());

function send(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${apiUrl}${path}`,
      { method, agent, timeout: 60_000, headers: payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const reply = {
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])),
            text: Buffer.concat(chunks).toString('utf8'),
          };
          try {
            checkResponse({ method, path, status: reply.status, contentType: reply.headers['content-type'], text: reply.text });
            resolve(reply);
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 60 s: ${method} ${path}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function listAll(project: string) {
  const { items } = await allPages(async (token) => {
    const reply = await send('GET', `/projects/${project}/docker-credentials?limit=100${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`);
    expect(reply.status).toBe(200);
    return credentialPage.parse(JSON.parse(reply.text));
  }, total / 100 + 2);
  return items;
}

async function scanAll(): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        FilterExpression: 'contains(#server, :nonce)',
        ExpressionAttributeNames: { '#server': 'server' },
        ExpressionAttributeValues: { ':nonce': { S: nonce } },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('races on one registry', () => {
  it('concurrent deletes and re-adds of one registry never leave two credentials or an orphaned guard', async () => {
    const project = uniqueProject('race');
    const password = trackSecret(`race-${crypto.randomUUID()}`);
    const path = `/projects/${project}/docker-credentials`;
    let current = credential.parse(JSON.parse((await send('POST', path, { server: 'ghcr.io', password })).text));
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < 25 * Math.max(1, scale); round++) {
      // Delete the current holder while three adds of the same registry (alias forms) race for it.
      const [deleted, ...adds] = await Promise.all([
        send('DELETE', `${path}/${current.id}`),
        ...['ghcr.io', 'https://ghcr.io/v2/', 'GHCR.IO'].map((server) => send('POST', path, { server, password })),
      ]);
      expect(deleted!.status).toBe(204);
      for (const reply of adds) {
        outcomes[reply.status] = (outcomes[reply.status] ?? 0) + 1;
        expect([201, 409]).toContain(reply.status);
        expect(reply.text).not.toContain(password);
      }
      const winners = adds.filter((r) => r.status === 201).map((r) => credential.parse(JSON.parse(r.text)));
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const loser of adds.filter((r) => r.status === 409)) {
        // A 409 names a real holder: the one being deleted or this round's winner, never "unknown".
        expect([current.id, ...winners.map((w) => w.id)]).toContain(JSON.parse(loser.text).existingId);
      }
      // The table: at most one credential, and a guard exactly when there is one, pointing at it.
      const items = await rawItems(project);
      const credentials = items.filter((i) => i['sk']?.S?.startsWith('CREDENTIAL#'));
      const guards = items.filter((i) => i['sk']?.S?.startsWith('REGISTRY#'));
      expect(credentials.map((i) => i['id']?.S)).toEqual(winners.map((w) => w.id));
      expect(guards.map((g) => g['credentialId']?.S)).toEqual(winners.map((w) => w.id));
      if (winners.length === 0) {
        current = credential.parse(JSON.parse((await send('POST', path, { server: 'ghcr.io', password })).text));
      } else current = winners[0]!;
    }
    console.log(`races: outcomes of the racing adds ${JSON.stringify(outcomes)}`);
  }, 120_000);
});

describe('load', () => {
  it(`${total} concurrent adds of distinct servers across 5 projects: each listed exactly once, in its own project only`, async () => {
    const password = trackSecret(`load-${crypto.randomUUID()}`);
    const planned = Array.from({ length: total }, (_, i) => ({ project: projects[i % projects.length]!, server: `load${i}-${nonce}.example.com` }));

    const started = performance.now();
    const replies = await Promise.all(
      planned.map(({ project, server }) => send('POST', `/projects/${project}/docker-credentials`, { server, username: 'loader', password })),
    );
    const seconds = (performance.now() - started) / 1000;

    const statuses: Record<number, number> = {};
    for (const reply of replies) statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
    console.log(`load: ${total} concurrent adds in ${seconds.toFixed(1)} s, statuses ${JSON.stringify(statuses)}`);
    expect(statuses).toEqual({ 201: total });

    const created = replies.map((reply, i) => {
      expect(reply.text).not.toContain(password);
      const body = credential.parse(JSON.parse(reply.text));
      expect(body.server).toBe(planned[i]!.server);
      expect(reply.headers['location']).toBe(`/projects/${planned[i]!.project}/docker-credentials/${body.id}`);
      return { ...planned[i]!, id: body.id };
    });
    expect(new Set(created.map((c) => c.id)).size).toBe(total);

    // Through the API: each project lists exactly its own, each exactly once.
    const listed = new Map(await Promise.all(projects.map(async (p) => [p, await listAll(p)] as const)));
    for (const project of projects) {
      const mine = created.filter((c) => c.project === project);
      const items = listed.get(project)!;
      expect(items.map((i) => i.id).sort()).toEqual(mine.map((c) => c.id).sort());
      expect(items.map((i) => i.server).sort()).toEqual(mine.map((c) => c.server).sort());
    }
    // In the table: nowhere else. Each server has exactly one credential item, under its project.
    const stored = (await scanAll()).filter((item) => item['sk']?.S?.startsWith('CREDENTIAL#'));
    expect(stored).toHaveLength(total);
    const byServer = new Map(stored.map((item) => [item['server']?.S, item]));
    expect(byServer.size).toBe(total);
    for (const c of created) {
      const item = byServer.get(c.server);
      expect(item?.['pk']?.S).toBe(keyOf.project(c.project));
      expect(item?.['id']?.S).toBe(c.id);
    }
  }, 120_000 * Math.max(1, scale));
});
