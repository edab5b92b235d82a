import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { envNames } from '../../functions/contract/config.ts';
import { routeList } from '../../functions/contract/routes.ts';
import { tableKeys } from '../../functions/contract/table.ts';
import { appWithoutBundling, logicalId, policiesOf, resources, synthWithoutBundling, type Resource } from './synth.ts';

const { app, stack, template } = synthWithoutBundling();
const all = resources(template);
const tableId = logicalId(stack.storage.table);
const keyId = logicalId(stack.storage.key);
const ofType = (type: string) => Object.entries(all).filter(([, r]) => r.Type === type);

function functionOf(name: string) {
  const fn = stack.api.functions[name];
  if (!fn) throw new Error(`no function for ${name}`);
  return { fn, id: logicalId(fn.function), resource: all[logicalId(fn.function)] as Resource };
}

/** Every statement of every IAM policy attached to the route's role, plus the role itself. */
function roleOf(name: string) {
  const { role } = functionOf(name).fn;
  return { role: all[logicalId(role)] as Resource, ...policiesOf(template, role) };
}

const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((s) => [s.Action].flat());

describe('the functions', () => {
  it('has exactly one function per route of the route table (plus the five of events and IaC, test/infra/events.test.ts)', () => {
    template.resourceCountIs('AWS::Lambda::Function', routeList.length + 5);
    expect(Object.keys(stack.api.functions).sort()).toEqual(routeList.map((r) => r.name).sort());
  });

  // Routes that call a registry need the 8 s check on top of KMS and DynamoDB (routes.ts).
  const timeouts: Record<string, number> = { 'add-credential': 20, 'verify-credential': 25 };

  it.each(routeList.map((r) => r.name))('%s: Node 24 on arm64, explicit memory and timeout, X-Ray active', (name) => {
    const props = functionOf(name).resource.Properties;
    expect(props['Runtime']).toBe('nodejs24.x');
    expect(props['Architectures']).toEqual(['arm64']);
    expect(props['MemorySize']).toBe(512);
    expect(props['Timeout']).toBe(timeouts[name] ?? 10);
    expect(props['TracingConfig']).toEqual({ Mode: 'Active' });
    expect(props['Handler']).toBe('index.handler');
  });

  it.each(routeList.map((r) => r.name))('%s: names the table and key with the shared variables, source maps on', (name) => {
    expect(functionOf(name).resource.Properties['Environment']).toEqual({
      Variables: {
        [envNames.tableName]: { Ref: tableId },
        [envNames.kmsKeyId]: { 'Fn::GetAtt': [keyId, 'Arn'] },
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
  });

  it.each(routeList.map((r) => r.name))('%s: logs to its own log group with a retention period', (name) => {
    const { fn, resource } = functionOf(name);
    const logGroupId = logicalId(fn.logGroup);
    expect(resource.Properties['LoggingConfig']).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(all[logGroupId]?.Properties['RetentionInDays']).toBe(30);
  });
});

describe('least privilege', () => {
  const base = (name: string) => [
    {
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalId(functionOf(name).fn.logGroup), 'Arn'] },
    },
    { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
  ];
  const onTable = (...actions: string[]) => ({
    Action: actions.length === 1 ? actions[0] : actions,
    Effect: 'Allow',
    Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
  });

  /** A KMS action on the key, only with both encryption-context keys present (and no others). */
  const onKey = (action: string) => ({
    Action: action,
    Effect: 'Allow',
    Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    Condition: {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['project', 'credentialId'] },
      Null: { 'kms:EncryptionContext:project': 'false', 'kms:EncryptionContext:credentialId': 'false' },
    },
  });

  it('add: PutItem and GetItem on the table, kms:Encrypt only with both encryption-context keys', () => {
    expect(roleOf('add-credential').statements).toEqual([
      ...base('add-credential'),
      onTable('dynamodb:PutItem', 'dynamodb:GetItem'),
      onKey('kms:Encrypt'),
    ]);
  });

  it('update: UpdateItem on the table, kms:Encrypt only with both encryption-context keys, never Decrypt', () => {
    expect(roleOf('update-credential').statements).toEqual([...base('update-credential'), onTable('dynamodb:UpdateItem'), onKey('kms:Encrypt')]);
  });

  it('verify: UpdateItem on the table and kms:Decrypt with both encryption-context keys (the only writer that decrypts)', () => {
    expect(roleOf('verify-credential').statements).toEqual([...base('verify-credential'), onTable('dynamodb:UpdateItem'), onKey('kms:Decrypt')]);
  });

  it('no function runs in a VPC (verify needs outbound HTTPS to registries, without a NAT)', () => {
    for (const { name } of routeList) expect(functionOf(name).resource.Properties['VpcConfig']).toBeUndefined();
  });

  it('list: dynamodb:Query on the table only', () => {
    expect(roleOf('list-credentials').statements).toEqual([...base('list-credentials'), onTable('dynamodb:Query')]);
  });

  it('delete: GetItem and DeleteItem on the table only', () => {
    expect(roleOf('delete-credential').statements).toEqual([
      ...base('delete-credential'),
      onTable('dynamodb:GetItem', 'dynamodb:DeleteItem'),
    ]);
  });

  it('list and delete have no KMS permission at all', () => {
    for (const name of ['list-credentials', 'delete-credential']) {
      expect(actionsOf(roleOf(name).statements).filter((a) => a.startsWith('kms:'))).toEqual([]);
    }
  });

  it('each role has one inline policy, no managed policies, and trusts only Lambda', () => {
    for (const { name } of routeList) {
      const { role, policies } = roleOf(name);
      expect(policies).toHaveLength(1);
      expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
      expect(role.Properties['Policies']).toBeUndefined();
      expect(role.Properties['AssumeRolePolicyDocument'].Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('resolve: BatchGetItem and GetItem on the table, kms:Decrypt only with both encryption-context keys', () => {
    expect(roleOf('resolve-registry-auth').statements).toEqual([
      ...base('resolve-registry-auth'),
      onTable('dynamodb:BatchGetItem', 'dynamodb:GetItem'),
      onKey('kms:Decrypt'),
    ]);
  });

  it('dockerconfigjson: Query on the table, kms:Decrypt only with both encryption-context keys', () => {
    expect(roleOf('get-dockerconfigjson').statements).toEqual([
      ...base('get-dockerconfigjson'),
      onTable('dynamodb:Query'),
      onKey('kms:Decrypt'),
    ]);
  });

  it('only the resolve-capability functions and verify hold kms:Decrypt; no policy grants a wildcard action', () => {
    const decrypting = routeList.filter(({ name }) => actionsOf(roleOf(name).statements).includes('kms:Decrypt'));
    expect(decrypting.map((r) => r.name).sort()).toEqual(['get-dockerconfigjson', 'resolve-registry-auth', 'verify-credential']);
    expect(decrypting.every((r) => r.capability === 'resolve' || r.name === 'verify-credential')).toBe(true);
    const statements = ofType('AWS::IAM::Policy').flatMap(([, p]) => p.Properties['PolicyDocument'].Statement);
    const actions = actionsOf(statements);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => /^kms:\*|ReEncrypt|\*$/.test(a))).toEqual([]);
    // The fourth is the verify queue's worker, given the verify route's own statements (events.test.ts).
    expect(actions.filter((a) => a === 'kms:Decrypt')).toHaveLength(4);
    expect(ofType('AWS::IAM::Role').every(([, r]) => r.Properties['Policies'] === undefined)).toBe(true);
  });
});

describe('the HTTP API', () => {
  const routeResources = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

  it('has exactly the routes of the route table', () => {
    expect(routeResources.map((r) => r['RouteKey']).sort()).toEqual(routeList.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('authorises every route with IAM (SigV4)', () => {
    expect(routeResources).toHaveLength(routeList.length);
    for (const route of routeResources) expect(route['AuthorizationType']).toBe('AWS_IAM');
  });

  it('sends each route to its own function with payload format 2.0', () => {
    for (const route of routeList) {
      const [, resource] = ofType('AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties['RouteKey'] === `${route.method} ${route.path}`)!;
      const integrationId = resource.Properties['Target']['Fn::Join'][1][1].Ref as string;
      expect(all[integrationId]?.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionOf(route.name).id, 'Arn'] },
      });
    }
  });

  it('has one auto-deployed $default stage with throttling and JSON access logs to a retained-for-90-days log group', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const accessLogsId = logicalId(stack.api.accessLogs);
    const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [accessLogsId, 'Arn'] } },
    });
    const format = JSON.parse(stage.Properties['AccessLogSettings'].Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', caller: '$context.identity.userArn', status: '$context.status' });
    expect(all[accessLogsId]?.Properties['RetentionInDays']).toBe(90);
  });

  it('outputs ApiUrl, the $default stage URL', () => {
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', ['https://', { Ref: logicalId(stack.api.api) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/']] },
    });
  });
});

describe('storage', () => {
  it('the table: on demand, pk/sk from the shared layout, PITR, deletion protection, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(all[tableId]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: tableKeys.partition, KeyType: 'HASH' },
          { AttributeName: tableKeys.sort, KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('the key: symmetric, rotated, aliased, retained', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    const key = all[keyId]!;
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    expect(key.Properties['KeySpec'] ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(key.Properties['KeyUsage'] ?? 'ENCRYPT_DECRYPT').toBe('ENCRYPT_DECRYPT');
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/regcred', TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });
});

describe('grantProjectAccess', () => {
  // A separate app, so the grant's policy does not leak into the assertions above.
  const granted = appWithoutBundling();
  const team = new Role(granted.stack, 'TeamA', { assumedBy: new AccountRootPrincipal() });
  granted.stack.api.grantProjectAccess(team, 'team-a', ['GET', 'POST']);
  const apiId = logicalId(granted.stack.api.api);
  const arn = (method: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, `/$default/${method}/projects/team-a/*`]],
  });

  it('allows execute-api:Invoke on /projects/<project>/* for the methods asked, nothing else', () => {
    Template.fromStack(granted.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(team) }],
      PolicyDocument: { Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('GET'), arn('POST')] }] },
    });
  });

  it('covers every route: they all live under /projects/{project}/', () => {
    for (const route of routeList) expect(route.path.startsWith('/projects/{project}/')).toBe(true);
  });

  it('rejects project names that could widen the ARN, and an empty method list', () => {
    for (const bad of ['*', 'team-a/*', 'Team-A', '', 'a*']) {
      expect(() => granted.stack.api.grantProjectAccess(team, bad, ['GET'])).toThrow(/invalid project name/);
    }
    expect(() => granted.stack.api.grantProjectAccess(team, 'team-a', [])).toThrow(/at least one method/);
  });
});

describe('offline synthesis', () => {
  it('is environment-agnostic and needs no context lookups', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  it('the stack is named Regcred', () => {
    expect(stack.stackName).toBe('Regcred');
    template.templateMatches(Match.objectLike({ Outputs: Match.objectLike({ TableName: Match.anyValue(), KeyAlias: { Value: 'alias/regcred' } }) }));
  });
});
