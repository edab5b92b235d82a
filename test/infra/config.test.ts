// Deployment settings from CDK context: the grants file and per-route throttling, validated, and
// what they put in the template.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { routeList, routes } from '../../functions/contract/routes.ts';
import { contextKeys } from '../../infra/config.ts';
import { createApp } from '../../infra/regcred-app.ts';
import { repoRoot } from '../../local/stack.ts';
import { logicalId, skipBundling } from './synth.ts';

const dir = mkdtempSync(join(tmpdir(), 'regcred-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function appWith(context: Record<string, unknown>, grants?: unknown) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  if (grants !== undefined) writeFileSync(file, typeof grants === 'string' ? grants : JSON.stringify(grants));
  return createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: file, ...context } });
}

const localRole = 'arn:aws:iam::123456789012:role/team-a-admins';
const remoteRole = 'arn:aws:iam::444455556666:role/ci/k8s-nodes';

describe('the grants file', () => {
  const { stack } = appWith({}, {
    grants: [
      { project: 'team-a', capabilities: ['read', 'write'], principal: localRole },
      { project: 'team-a', capabilities: ['read'], principal: remoteRole },
    ],
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON();
  const conditionFor = (account: string) =>
    Object.entries(json.Conditions as Record<string, unknown>).find(([, c]) => JSON.stringify(c) === JSON.stringify({ 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, account] }))![0];
  const notCondition = (local: string) =>
    Object.entries(json.Conditions as Record<string, unknown>).find(([, c]) => JSON.stringify(c) === JSON.stringify({ 'Fn::Not': [{ Condition: local }] }))![0];
  const invokeArn = (method: string, path: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: logicalId(stack.api.api) }, `/$default/${method}${path}`]],
  });
  const readArn = invokeArn('GET', '/projects/team-a/docker-credentials');

  it('a role of the deploying account gets the grant on itself, only when the account matches', () => {
    const local = conditionFor('123456789012');
    const policies = template.findResources('AWS::IAM::Policy', { Condition: local });
    expect(Object.values(policies).map((p) => p['Properties'].Roles)).toEqual([['team-a-admins']]);
    const resources = Object.values(policies)[0]!['Properties'].PolicyDocument.Statement.flatMap((s: { Resource: unknown }) => [s.Resource].flat());
    expect(resources).toHaveLength(routeList.filter((r) => r.capability !== 'resolve').length);
    expect(resources).toContainEqual(readArn);
    expect(resources).toContainEqual(invokeArn('DELETE', '/projects/team-a/docker-credentials/*'));
  });

  it('a role of another account gets an access role here that trusts exactly it, and an output naming it', () => {
    const remote = notCondition(conditionFor('444455556666'));
    const roles = template.findResources('AWS::IAM::Role', { Condition: remote });
    // Only sessions with a source identity (sts:SourceIdentity set), so CloudTrail names the person.
    const sourceIdentity = { StringLike: { 'sts:SourceIdentity': '*' } };
    expect(Object.values(roles).map((r) => r['Properties'].AssumeRolePolicyDocument.Statement)).toEqual([
      [{ Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Condition: sourceIdentity, Effect: 'Allow', Principal: { AWS: remoteRole } }],
    ]);
    const [roleId] = Object.keys(roles);
    const policies = Object.values(template.findResources('AWS::IAM::Policy', { Condition: remote }));
    expect(policies.map((p) => p['Properties'].Roles)).toEqual([[{ Ref: roleId }]]);
    expect(policies[0]!['Properties'].PolicyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: readArn }]);
    const outputs = Object.values(json.Outputs as Record<string, { Condition?: string; Value: unknown }>).filter((o) => o.Condition === remote);
    expect(outputs.map((o) => o.Value)).toEqual([{ 'Fn::GetAtt': [roleId, 'Arn'] }]);
  });

  it("the access role's output is named after the grant: project, role name and account", () => {
    const remote = notCondition(conditionFor('444455556666'));
    expect(Object.entries(json.Outputs as Record<string, { Condition?: string }>).filter(([, o]) => o.Condition === remote).map(([name]) => name)).toEqual(['TeamAK8sNodes444455556666AccessRoleArn']);
  });

  it('grants to roles of one account share one pair of conditions (no duplicate condition for CloudFormation to warn about)', () => {
    const { stack } = appWith({}, {
      grants: ['a', 'b', 'c'].map((name) => ({ project: 'team-a', capabilities: ['read'], principal: `arn:aws:iam::123456789012:role/${name}` })),
    });
    const conditions = Object.values(Template.fromStack(stack).toJSON().Conditions as Record<string, unknown>).map((c) => JSON.stringify(c));
    expect(conditions.filter((c) => c.includes('Fn::Equals') && c.includes('123456789012'))).toHaveLength(1);
    expect(new Set(conditions).size).toBe(conditions.length);
  });

  it('refuses two grants whose outputs would share a name, naming both principals', () => {
    const grants = ['ci-reader', 'ci_reader'].map((name) => ({ project: 'team-a', capabilities: ['read'], principal: `arn:aws:iam::123456789012:role/${name}` }));
    expect(() => appWith({}, { grants })).toThrow(/role\/ci-reader and arn:aws:iam::123456789012:role\/ci_reader on team-a would share the output TeamACiReader123456789012AccessRoleArn/);
  });

  it('every grant resource is conditional: one of the two forms exists per grant', () => {
    const grantResources = Object.entries(json.Resources as Record<string, { Condition?: string }>).filter(([id]) => id.startsWith('Grants'));
    expect(grantResources).toHaveLength(2 * 3);
    for (const [, resource] of grantResources) expect(resource.Condition).toBeDefined();
  });

  it('no grants file: no grants', () => {
    const template = Template.fromStack(appWith({}).stack).toJSON();
    expect(Object.keys(template.Resources).filter((id) => id.startsWith('Grants'))).toEqual([]);
  });

  it.each([
    [{ grants: [{ project: 'Team-A', capabilities: ['read'], principal: localRole }] }, /DNS label[\s\S]*grants\[0\]\.project/],
    [{ grants: [{ project: 'team-a', capabilities: ['GET'], principal: localRole }] }, /grants\[0\]\.capabilities\[0\]/],
    [{ grants: [{ project: 'team-a', capabilities: [], principal: localRole }] }, /grants\[0\]\.capabilities/],
    [{ grants: [{ project: 'team-a', capabilities: ['read'], principal: 'arn:aws:iam::123456789012:user/me' }] }, /IAM role ARN[\s\S]*grants\[0\]\.principal/],
    [{ grants: [{ project: 'team-a', capabilities: ['read'], principal: '*' }] }, /grants\[0\]\.principal/],
    [{ grants: [{ project: 'team-a', capabilities: ['read'], principal: 'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS' }] }, /service-linked role[\s\S]*grants\[0\]\.principal/],
    [{ grants: [{ project: 'team-a', capabilities: ['read'], principal: localRole, extra: 1 }] }, /extra/],
    [{ grants: [{ project: 'a', capabilities: ['read'], principal: localRole }, { project: 'a', capabilities: ['write'], principal: localRole }] }, /repeats the grant[\s\S]*grants\[1\]/],
    ['{ not json', /not valid JSON|Expected property name|JSON/],
  ])('refuses a bad file, naming the field (%#)', (grants, message) => {
    expect(() => appWith({}, grants)).toThrow(message);
  });
});

describe('throttling', () => {
  const settingsOf = (context: Record<string, unknown>) => {
    const template = Template.fromStack(appWith(context).stack).toJSON();
    const [stage] = Object.values(template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::ApiGatewayV2::Stage');
    return stage;
  };
  const routeKey = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

  it('defaults: 20/s, burst 40 for the stage and every route (resolve routes: 10/s, burst 20)', () => {
    const stage = settingsOf({});
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(stage.Properties.RouteSettings).toEqual(
      Object.fromEntries(
        routeList.map((r) => [routeKey(r), r.capability === 'resolve' ? { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 } : { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 }]),
      ),
    );
  });

  it('per route by name, then by capability, then the default', () => {
    const stage = settingsOf({
      [contextKeys.throttling]: {
        default: { rateLimit: 50, burstLimit: 100 },
        capabilities: { write: { rateLimit: 5, burstLimit: 10 } },
        routes: { 'delete-credential': { rateLimit: 1, burstLimit: 2 } },
      },
    });
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
    const expected = (route: (typeof routeList)[number]) =>
      route.name === 'delete-credential'
        ? { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 }
        : route.capability === 'write'
          ? { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }
          : { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 };
    expect(stage.Properties.RouteSettings).toEqual(Object.fromEntries(routeList.map((r) => [routeKey(r), expected(r)])));
    expect(stage.Properties.RouteSettings[routeKey(routes.addCredential)]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  it('the stage is created after the routes its settings name', () => {
    const stage = settingsOf({});
    const template = Template.fromStack(appWith({}).stack).toJSON();
    const routeIds = Object.entries(template.Resources as Record<string, { Type: string }>).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Route').map(([id]) => id);
    expect(routeIds).toHaveLength(routeList.length);
    expect([...stage.DependsOn].sort()).toEqual(expect.arrayContaining(routeIds.sort()));
  });

  it.each([
    [{ routes: { 'no-such-route': { rateLimit: 1, burstLimit: 1 } } }, /must be a route name: add-credential/],
    [{ capabilities: { admin: { rateLimit: 1, burstLimit: 1 } } }, /capabilities/],
    [{ default: { rateLimit: -1, burstLimit: 1 } }, /default\.rateLimit/],
    [{ default: { rateLimit: 1, burstLimit: 1.5 } }, /default\.burstLimit/],
  ])('refuses bad settings, naming the field (%#)', (throttling, message) => {
    expect(() => appWith({ [contextKeys.throttling]: throttling })).toThrow(message);
  });
});

describe('alarm subscriptions', () => {
  const subscriptionsOf = (context: Record<string, unknown>) =>
    Object.values(Template.fromStack(appWith(context).stack).findResources('AWS::SNS::Subscription')).map((r) => r['Properties']);

  it('subscribes the alarm topic as configured, given as JSON (cdk.json) or as the string `cdk -c` passes', () => {
    const subscriptions = [{ protocol: 'email', endpoint: 'ops@example.com' }, { protocol: 'https', endpoint: 'https://hooks.example.com/regcred' }, { protocol: 'sms', endpoint: '+15555550100' }];
    const expected = subscriptions.map(({ protocol, endpoint }) => expect.objectContaining({ Protocol: protocol, Endpoint: endpoint }));
    expect(subscriptionsOf({ [contextKeys.alarmSubscriptions]: subscriptions })).toEqual(expected);
    expect(subscriptionsOf({ [contextKeys.alarmSubscriptions]: JSON.stringify(subscriptions) })).toEqual(expected);
    expect(subscriptionsOf({})).toEqual([]);
  });

  it.each([
    [[{ protocol: 'email', endpoint: 'not-an-address' }], /alarmSubscriptions[\s\S]*\[0\]\.endpoint/],
    [[{ protocol: 'https', endpoint: 'http://hooks.example.com/' }], /\[0\]\.endpoint/],
    [[{ protocol: 'sms', endpoint: '555-0100' }], /E\.164[\s\S]*\[0\]\.endpoint/],
    [[{ protocol: 'lambda', endpoint: 'x' }], /\[0\]\.protocol/],
    ['[{ not json', /alarmSubscriptions: .*JSON/],
  ])('refuses a bad subscription, naming the field (%#)', (subscriptions, message) => {
    expect(() => appWith({ [contextKeys.alarmSubscriptions]: subscriptions })).toThrow(message);
  });
});

describe('outputs', () => {
  it('KeyId: the key itself, for teardown once the alias is gone', () => {
    const { stack } = appWith({});
    Template.fromStack(stack).hasOutput('KeyId', { Value: { Ref: logicalId(stack.storage.key) } });
  });
});

describe('the README examples', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = (marker: string) => {
    const found = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!).find((text) => text.includes(marker));
    if (!found) throw new Error(`no README json block with ${marker}`);
    return found;
  };

  it('the grants file example synthesises', () => {
    const { stack } = appWith({}, block('"grants"'));
    expect(Object.keys(Template.fromStack(stack).toJSON().Outputs).filter((k) => k.includes('AccessRoleArn'))).toHaveLength(3);
  });

  it('the stacks example synthesises and reaches the provider', () => {
    const example = block('"stacks"');
    const { stack } = appWith({}, example);
    const fn = Template.fromStack(stack).toJSON().Resources[logicalId(stack.credentialProvider.onEvent.function)];
    expect(JSON.parse(fn.Properties.Environment.Variables.REGCRED_STACK_GRANTS)).toEqual(JSON.parse(example).stacks);
  });

  it('the throttling example is valid', () => {
    const throttling = JSON.parse(`{${block('"regcred:throttling"')}}`)['regcred:throttling'];
    expect(() => appWith({ [contextKeys.throttling]: throttling })).not.toThrow();
  });
});
