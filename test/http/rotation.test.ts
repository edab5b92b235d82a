// Rotation is atomic: over real HTTP, resolves running while a password is updated 50 times get the
// old or the new password, never an error, a mix or a password older than the last finished update.
import { describe, expect, inject, it } from 'vitest';
import { expandPath, routes } from '../../functions/contract/routes.ts';
import { uniqueProject } from '../support/handlers.ts';
import { checkedFetch } from '../support/openapi-check.ts';
import { trackCredential } from '../support/secret-audit.ts';

const { apiUrl } = inject('localStack');
const updates = 50;
const readers = 4;

describe('rotation under concurrent resolves', () => {
  it(`${readers} resolve loops during ${updates} updates: every answer is 200 with a password no older than the last finished update`, async () => {
    const project = uniqueProject('rot');
    const passwords: string[] = Array.from({ length: updates + 1 }, (_, i) => trackCredential('robot', `rotation-${i}-${crypto.randomUUID()}`));
    const created = await checkedFetch(`${apiUrl}${expandPath(routes.addCredential.path, { project })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ server: 'rotate.example.com', username: 'robot', password: passwords[0] }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    let started = 0;
    let finished = 0;
    const rotate = async () => {
      for (let version = 1; version <= updates; version++) {
        started = version;
        const reply = await checkedFetch(`${apiUrl}${expandPath(routes.updateCredential.path, { project, id })}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
          body: JSON.stringify({ password: passwords[version] }),
        });
        expect(reply.status).toBe(200);
        expect(reply.headers.get('etag')).toBe(`"${version + 1}"`);
        await reply.body?.cancel();
        finished = version;
      }
    };
    const seen: number[] = [];
    const problems: string[] = [];
    const resolveLoop = async () => {
      const url = `${apiUrl}${expandPath(routes.resolveRegistryAuth.path, { project })}?server=rotate.example.com`;
      while (finished < updates) {
        const oldest = finished;
        const reply = await checkedFetch(url);
        const newest = started;
        const body = (await reply.json()) as { password?: string; credentialId?: string };
        const index = passwords.indexOf(body.password ?? '');
        if (reply.status !== 200 || body.credentialId !== id) problems.push(`status ${reply.status}`);
        else if (index < oldest || index > newest) problems.push(`password ${index} outside [${oldest}, ${newest}]`);
        else seen.push(index);
      }
    };
    await Promise.all([rotate(), ...Array.from({ length: readers }, resolveLoop)]);

    expect(problems).toEqual([]);
    expect(seen.length).toBeGreaterThan(updates);
    // The resolves really overlapped the rotation: they saw many different passwords.
    expect(new Set(seen).size).toBeGreaterThan(10);
    const last = await checkedFetch(`${apiUrl}${expandPath(routes.resolveRegistryAuth.path, { project })}?server=rotate.example.com`);
    expect(((await last.json()) as { password: string }).password).toBe(passwords[updates]);
  }, 120_000);
});
