// The search behind the secrets audit (test/support/secret-search.ts): if it missed a form, every
// audit built on it would pass vacuously.
import { describe, expect, it } from 'vitest';
import { checkRequestLog, describeHit, findSecrets, secretForms } from '../support/secret-search.ts';

const secret = 'hunter2-"quoted"\n-ünï';
const forms = {
  plain: secret,
  base64: Buffer.from(secret).toString('base64'),
  'JSON-escaped': JSON.stringify(secret).slice(1, -1),
} as const;

describe('findSecrets', () => {
  it.each(Object.entries(forms))('finds the %s form anywhere in a large text', (kind, form) => {
    const text = `${'{"level":"INFO","message":"request"}\n'.repeat(20_000)}prefix${form}suffix${'x'.repeat(1000)}`;
    expect(findSecrets(text, ['unrelated-secret-1', secret, 'unrelated-secret-2'])).toEqual([{ secret, form: kind }]);
  });

  it('finds nothing in clean text, or a secret cut short', () => {
    expect(findSecrets(`${'a'.repeat(1000)}${secret.slice(0, -1)}`, [secret])).toEqual([]);
    expect(findSecrets('', [secret])).toEqual([]);
    expect(findSecrets('anything', [])).toEqual([]);
  });

  it('finds one among thousands of secrets, quickly', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `pw-${i}-${crypto.randomUUID()}`);
    const text = `${'noise '.repeat(300_000)}${Buffer.from(many[4321]!).toString('base64')}`;
    const started = performance.now();
    expect(findSecrets(text, many)).toEqual([{ secret: many[4321], form: 'base64' }]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('agrees with secretForms and never repeats the secret when reporting', () => {
    expect(secretForms(secret)).toEqual(Object.values(forms));
    const report = describeHit({ secret, form: 'base64' }, 'server log');
    for (const form of Object.values(forms)) expect(report).not.toContain(form);
  });
});

describe('checkRequestLog (the audit’s positive control)', () => {
  const probe = { project: 'audit-probe-1', requests: 2 };
  const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 'INFO', message: 'request', service: 'regcred', ...fields });
  const sharedId = crypto.randomUUID();
  const probeLine = () => line({ requestId: crypto.randomUUID(), project: probe.project, statusCode: 200 });

  it('counts request lines when the probe’s are there, each with its own request id', () => {
    const log = ['regcred is running', line({ requestId: crypto.randomUUID(), statusCode: 201 }), probeLine(), probeLine(), ''].join('\n');
    expect(checkRequestLog(log, probe)).toBe(3);
  });

  it.each([
    ['an empty log (a logger that writes nothing)', ''],
    ['a log without the probe’s lines', line({ requestId: crypto.randomUUID(), statusCode: 200 })],
    ['a probe line without its request id', [probeLine(), line({ project: probe.project, statusCode: 200 })].join('\n')],
    ['probe lines sharing one request id (mixed-up log keys)', [sharedId, sharedId].map((requestId) => line({ requestId, project: probe.project, statusCode: 200 })).join('\n')],
  ])('fails on %s', (_, log) => {
    expect(() => checkRequestLog(log, probe)).toThrow(/no evidence the server logged requests/);
  });
});
