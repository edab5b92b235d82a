// Operating the deployed stack, read from the synthesised template: what `cdk destroy` deletes and
// keeps, who the alarms notify, the outputs an operator uses, and the README's lists of retained
// and billable resources, each checked against the template's own resource types.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { contextKeys } from '../../infra/config.ts';
import { createApp } from '../../infra/regcred-app.ts';
import { repoRoot } from '../../local/stack.ts';
import { logicalId, policiesOfRole, skipBundling, type Resource } from './synth.ts';

const dir = mkdtempSync(join(tmpdir(), 'regcred-operate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const grantsFile = join(dir, 'grants.json');
// A grant of each form and an alarm subscription, so that every resource type the stack can hold is in the template.
writeFileSync(grantsFile, JSON.stringify({
  grants: [
    { project: 'team-a', capabilities: ['read'], principal: 'arn:aws:iam::111122223333:role/ci' },
    { project: 'team-a', capabilities: ['resolve'], principal: 'arn:aws:iam::444455556666:role/eks-nodes' },
  ],
  console: [{ project: 'team-a', capabilities: ['read'] }],
}));
const { stack } = createApp({
  context: { ...skipBundling, 'aws:cdk:version-reporting': true, [contextKeys.grantsFile]: grantsFile, [contextKeys.alarmSubscriptions]: [{ protocol: 'email', endpoint: 'ops@example.com' }] },
});
const template = Template.fromStack(stack);
const json = template.toJSON() as { Resources: Record<string, Resource & { DependsOn?: string | string[] }>; Outputs: Record<string, { Value: unknown }> };
const all = Object.entries(json.Resources);
const ofType = (type: string) => all.filter(([, r]) => r.Type === type);
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The CloudFormation types in the README table between `<!-- resource types: <name> -->` and its end marker. */
function readmeTypes(name: string): string[] {
  const section = readme.split(`<!-- resource types: ${name} -->`)[1]?.split('<!-- end resource types -->')[0];
  if (!section) throw new Error(`README has no "resource types: ${name}" table`);
  return [...section.matchAll(/^\| `([\w:]+)` \|/gm)].map((m) => m[1]!);
}

/** Logical ids a resource refers to (Ref, GetAtt, DependsOn). */
function references(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) references(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') out.add(inner);
      else if (key === 'Fn::GetAtt') out.add((inner as string[])[0]!);
      else if (key === 'DependsOn') for (const d of [inner].flat() as string[]) out.add(d);
      else references(inner, out);
    }
  }
  return out;
}

/** Every logical id a resource depends on, directly or through others: CloudFormation deletes it before them. */
function dependsOn(id: string, seen = new Set<string>()): Set<string> {
  for (const next of references(json.Resources[id])) {
    if (!seen.has(next) && json.Resources[next]) {
      seen.add(next);
      dependsOn(next, seen);
    }
  }
  return seen;
}

describe('cdk destroy', () => {
  const retained = all.filter(([, r]) => r.DeletionPolicy === 'Retain');

  it('empties the console bucket before deleting it: the deployment deletes its files and is deleted first', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets.map(([id]) => id)).toEqual([logicalId(stack.console.bucket)]);
    const [[bucketId, bucket]] = buckets as [[string, Resource]];
    expect(bucket.DeletionPolicy).toBe('Delete');
    // Unversioned: deleting the objects leaves no old versions behind to block the bucket's deletion.
    expect(bucket.Properties['VersioningConfiguration']).toBeUndefined();
    const [[deploymentId, deployment]] = ofType('Custom::CDKBucketDeployment') as [[string, Resource]];
    expect(deployment.Properties['RetainOnDelete']).toBe(false);
    expect(deployment.Properties['DestinationBucketName']).toEqual({ Ref: bucketId });
    // The deployment depends on the bucket, its handler and the handler's policy: all still there when it deletes the files.
    const before = dependsOn(deploymentId);
    expect(before).toContain(bucketId);
    const [handlerId] = references(deployment.Properties['ServiceToken']);
    const roleId = (json.Resources[handlerId!]!.Properties['Role'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const [[policyId, policy]] = policiesOfRole(json.Resources, roleId) as [[string, Resource]];
    expect(before).toContain(policyId);
    const statements = policy.Properties['PolicyDocument'].Statement as { Action: string | string[]; Resource: unknown }[];
    expect(statements.some((s) => [s.Action].flat().includes('s3:DeleteObject*') && JSON.stringify(s.Resource).includes(bucketId))).toBe(true);
  });

  it('every resource with deletion protection is retained (a delete would fail on it)', () => {
    const protectedIds = all.filter(([, r]) => r.Properties?.['DeletionProtectionEnabled'] === true || r.Properties?.['DeletionProtection'] === 'ACTIVE').map(([id]) => id);
    expect(protectedIds.length).toBeGreaterThan(0);
    for (const id of protectedIds) expect(json.Resources[id]!.DeletionPolicy, id).toBe('Retain');
  });

  it("the README's tear-down names every kind of retained resource, and only those", () => {
    expect(readmeTypes('retained').sort()).toEqual([...new Set(retained.map(([, r]) => r.Type))].sort());
  });

  it('retained log groups have generated names starting with the stack name (the README deletes the Regcred- groups)', () => {
    const logGroups = retained.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThanOrEqual(3);
    for (const [id, group] of logGroups) {
      const name = group.Properties['LogGroupName'] as { 'Fn::Join': [string, [string, { Ref: string }]] } | undefined;
      if (name === undefined) continue; // generated: Regcred-<logical id>-<suffix>
      // A function's own group: /aws/lambda/<its generated name, Regcred-...>.
      const [, [prefix, fn]] = name['Fn::Join'];
      expect(prefix, id).toBe('/aws/lambda/');
      expect(json.Resources[fn.Ref]!.Properties['FunctionName'], id).toBeUndefined();
    }
    expect(stack.stackName).toBe('Regcred');
    expect(readme).toContain('for prefix in Regcred- /aws/lambda/Regcred-; do');
  });
});

describe('alarms', () => {
  it('every alarm notifies the one SNS topic, which the deploy config subscribes', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(4);
    const topicId = logicalId(stack.alarms.topic);
    for (const [id, alarm] of alarms) expect(alarm.Properties['AlarmActions'], id).toEqual([{ Ref: topicId }]);
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: { Ref: topicId }, Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });
});

describe('outputs', () => {
  it('UserPoolId and ConsoleUrl name the console\'s pool and distribution, under those plain names', () => {
    template.hasOutput('UserPoolId', { Value: { Ref: logicalId(stack.console.userPool) } });
    expect(JSON.stringify(json.Outputs['ConsoleUrl']!.Value)).toContain(logicalId(stack.console.distribution));
  });

  it('the README outputs table lists every output of the template (grant outputs by their pattern)', () => {
    const table = readme.split('| output | value |')[1]!.split('\n\n')[0]!;
    const listed = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
    const pattern = '<Project><RoleName><Account>AccessRoleArn';
    const expected = Object.keys(json.Outputs).map((name) => (name.endsWith('AccessRoleArn') ? pattern : name));
    expect(listed.sort()).toEqual([...new Set(expected)].sort());
    expect(Object.keys(json.Outputs)).toContain('TeamAEksNodes444455556666AccessRoleArn');
  });
});

describe('what it costs', () => {
  it('the README lists every resource type of the template, billable or not, and none that is not there', () => {
    const billable = readmeTypes('billable');
    const costs = readme.split('### What it costs')[1]!.split('### Tear down')[0]!;
    const free = [...costs.split('<!-- end resource types -->')[1]!.matchAll(/`((?:AWS|Custom)::[\w:]+)`/g)].map((m) => m[1]!);
    expect(billable.filter((t) => free.includes(t))).toEqual([]);
    expect([...billable, ...free].sort()).toEqual([...new Set(all.map(([, r]) => r.Type))].sort());
  });
});
