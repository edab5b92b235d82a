// The gate memoises decisions (policies do not change while the stack runs); these prove the memo
// never answers for a different call, never hides a denial from the log, and steps aside for a
// policy that reads the clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGate } from '../../local/iam/gate.ts';
import { PrincipalDirectory } from '../../local/iam/principals.ts';

const account = '123456789012';
const table = `arn:aws:dynamodb:us-east-1:${account}:table/regcred-credentials`;
const policy = (statement: Record<string, unknown>) => ({ name: 'RolePolicy', document: { Version: '2012-10-17', Statement: [statement] } });

function gateWith(statement: Record<string, unknown>) {
  const principals = new PrincipalDirectory(mkdtempSync(join(tmpdir(), 'regcred-gate-')));
  const keys = principals.addRole({ roleArn: `arn:aws:iam::${account}:role/Regcred-TestRole`, sessionName: 'test', policies: [policy(statement)] });
  const log: string[] = [];
  const gate = createGate({ region: 'us-east-1', account, principals, log: (line) => log.push(line) });
  return { gate, principal: principals.principal(keys.accessKeyId)!, log };
}
const getItem = (project: string) => [{ action: 'dynamodb:GetItem', resource: table, context: { 'dynamodb:LeadingKeys': [project] } }];

afterEach(() => vi.useRealTimers());

describe('the IAM gate', () => {
  it('answers each distinct context on its own, and logs every denial, also when remembered', async () => {
    const { gate, principal, log } = gateWith({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: table, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['team-a'] } } });
    expect((await gate.authorize(principal, getItem('team-a'))).ok).toBe(true);
    expect((await gate.authorize(principal, getItem('team-b'))).ok).toBe(false);
    expect((await gate.authorize(principal, getItem('team-a'))).ok).toBe(true);
    expect((await gate.authorize(principal, getItem('team-b'))).ok).toBe(false);
    expect(log.filter((line) => line.includes('dynamodb:GetItem'))).toHaveLength(2);
  });

  it('evaluates every call again when a policy reads the clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const { gate, principal } = gateWith({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: table, Condition: { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:01:00Z' } } });
    expect((await gate.authorize(principal, getItem('team-a'))).ok).toBe(true);
    vi.setSystemTime(new Date('2026-01-01T00:02:00Z'));
    expect((await gate.authorize(principal, getItem('team-a'))).ok).toBe(false);
  });
});
