// The OpenAPI document: valid OpenAPI 3.1, committed as generated, one operation per route with every
// declared status, and never part of a Lambda bundle. The checker the other tests route their
// responses through refuses what the document does not declare.
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../functions/contract/error-codes.ts';
import { contractOf, sharedErrors } from '../../functions/contract/http-contract.ts';
import { openApiDocument, openApiJson } from '../../functions/contract/openapi.ts';
import { routeList, routes, type Route } from '../../functions/contract/routes.ts';
import { responseProblem } from '../support/openapi-check.ts';

const document = openApiDocument() as { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
const committed = new URL('../../openapi.json', import.meta.url);

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 and every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(JSON.stringify(validator.resolveRefs())).not.toContain('$ref');
  });

  it('is committed as generated (run `npm run openapi` after changing the contract)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(openApiJson());
  });

  it.each(routeList.map((route) => [route.name, route] as const))('%s: its operation declares each status of its contract', (_, route) => {
    const operation = document.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation?.operationId).toBe(route.name.replace(/-(\w)/g, (__, c: string) => c.toUpperCase()));
    const contract = contractOf(route);
    const expected = [
      ...Object.keys(contract.responses),
      ...[...sharedErrors, ...contract.errors].map((code) => String(errorCodes[code])),
      '403',
      '429',
    ];
    expect(Object.keys(operation!.responses).sort()).toEqual([...new Set(expected)].sort());
  });

  it('refuses to generate a route that declares no responses', () => {
    const undeclared = { ...routes.deleteCredential, name: 'revoke-credential' } as unknown as Route;
    expect(() => contractOf(undeclared)).toThrow(/revoke-credential declares no responses/);
  });

  it.each(routeList.map((route) => [route.name, route.entry] as const))('%s: the Lambda bundle contains neither the generator nor the contracts', async (_, entry) => {
    const { metafile } = await build({ entryPoints: [entry], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent' });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain('functions/contract/routes.ts');
    expect(inputs.filter((file) => /contract\/(openapi|http-contract|schemas)\.ts$/.test(file))).toEqual([]);
  });
});

describe('the response checker', () => {
  const credentials = '/projects/demo/docker-credentials';
  const created = { id: '0193c2a4-1111-7222-8333-444455556666', server: 'x.io', registry: 'x.io', username: null, email: null, createdAt: '2026-11-26T17:49:12.635Z', version: 1, updatedAt: null, status: null, checkedAt: null };
  const reply = (method: string, path: string, status: number, body?: unknown) =>
    responseProblem({ method, path, status, contentType: body === undefined ? null : 'application/json', text: body === undefined ? '' : JSON.stringify(body) });

  it('accepts what the document declares', () => {
    expect(reply('POST', credentials, 201, created)).toBeUndefined();
    expect(reply('GET', `${credentials}?limit=1`, 200, { items: [created], nextToken: null })).toBeUndefined();
    expect(reply('DELETE', `${credentials}/${created.id}`, 204)).toBeUndefined();
    expect(reply('DELETE', `${credentials}/${created.id}`, 404, { error: 'NotFound', message: 'No credential.' })).toBeUndefined();
    expect(reply('GET', credentials, 403, { message: 'Forbidden' })).toBeUndefined();
    expect(reply('GET', '/nope', 404, { error: 'NotFound', message: 'No route.' })).toBeUndefined();
    expect(reply('PUT', credentials, 405, { error: 'MethodNotAllowed', message: 'Use GET, POST.' })).toBeUndefined();
  });

  it.each([
    ['an undeclared status', 'POST', credentials, 418, { error: 'ValidationError', message: 'x' }, /status not declared/],
    ['a 404 where the route has none', 'GET', credentials, 404, { error: 'NotFound', message: 'x' }, /status not declared/],
    ['a body missing fields', 'POST', credentials, 201, { id: created.id }, /does not match/],
    ['an extra field', 'POST', credentials, 201, { ...created, password: 'x' }, /does not match/],
    ['an error code of another status', 'POST', credentials, 400, { error: 'Conflict', message: 'x' }, /does not match/],
    ['a body where none is declared', 'DELETE', `${credentials}/${created.id}`, 204, {}, /declares no body/],
    ['a success on an unknown path', 'GET', '/nope', 200, {}, /only 400 or 404/],
  ])('refuses %s', (_, method, path, status, body, problem) => {
    expect(reply(method, path, status, body)).toMatch(problem);
  });
});
