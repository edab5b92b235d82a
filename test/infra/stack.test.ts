import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { envNames } from '../../functions/contract/config.ts';
import { contextKeys } from '../../infra/config.ts';
import { routeList, type Capability, type Route } from '../../functions/contract/routes.ts';
import { grantedRoutes, projectRoutePath } from '../../infra/constructs/project-routes.ts';
import { tableKeys } from '../../functions/contract/table.ts';
import { appWithoutBundling, logicalId, policiesOfRole, resources, synthWithoutBundling, type Resource } from './synth.ts';

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
  const roleId = logicalId(functionOf(name).fn.role);
  const policies = policiesOfRole(all, roleId);
  return { role: all[roleId] as Resource, policies, statements: policies.flatMap(([, p]) => p.Properties['PolicyDocument'].Statement) };
}

const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((s) => [s.Action].flat());

describe('the functions', () => {
  it('has exactly one function per route of the route table (plus the five of events and IaC, test/infra/events.test.ts, and the console\'s BucketDeployment and CORS-setting handlers)', () => {
    template.resourceCountIs('AWS::Lambda::Function', routeList.length + 5 + 2);
    expect(ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('CustomCDKBucketDeployment'))).toHaveLength(1);
    expect(ofType('AWS::Lambda::Function').filter(([id]) => id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'))).toHaveLength(1);
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

  it.each(routeList.map((r) => r.name))('%s: names the table and key with the shared variables, and no NODE_OPTIONS (--enable-source-maps would parse the map at every cold start)', (name) => {
    expect(functionOf(name).resource.Properties['Environment']).toEqual({
      Variables: {
        [envNames.tableName]: { Ref: tableId },
        [envNames.kmsKeyId]: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
  });

  it.each(routeList.map((r) => r.name))('%s: logs to its own log group with a retention period; audited ones a year, retained', (name) => {
    const { fn, resource } = functionOf(name);
    const logGroupId = logicalId(fn.logGroup);
    expect(resource.Properties['LoggingConfig']).toEqual({ LogGroup: { Ref: logGroupId } });
    const audited = routeList.find((r) => r.name === name)!.capability === 'resolve';
    expect(all[logGroupId]).toMatchObject(
      audited ? { Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' } : { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' },
    );
  });

  it("the provider's log group (its audit lines) is kept a year and retained; the retention is a context setting", () => {
    expect(all[logicalId(stack.credentialProvider.onEvent.logGroup)]).toMatchObject({ Properties: { RetentionInDays: 365 }, DeletionPolicy: 'Retain' });
    const { stack: longer } = appWithoutBundling({ [contextKeys.auditLogRetentionDays]: 731 });
    const groups = resources(Template.fromStack(longer));
    for (const fn of [longer.api.functions['resolve-registry-auth']!, longer.api.functions['get-dockerconfigjson']!, longer.credentialProvider.onEvent]) {
      expect(groups[logicalId(fn.logGroup)]).toMatchObject({ Properties: { RetentionInDays: 731 }, DeletionPolicy: 'Retain' });
    }
    expect(() => appWithoutBundling({ [contextKeys.auditLogRetentionDays]: 90 })).toThrow(/regcred:auditLogRetentionDays[\s\S]*at least a year/);
  });
});

describe('least privilege', () => {
  const base = (name: string) => [
    {
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalId(functionOf(name).fn.logGroup), 'Arn'] },
    },
    { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
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

  it('add: PutItem, GetItem and UpdateItem (the check counter) on the table, kms:Encrypt only with both encryption-context keys', () => {
    expect(roleOf('add-credential').statements).toEqual([
      ...base('add-credential'),
      onTable('dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'),
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
      onTable('dynamodb:DeleteItem', 'dynamodb:GetItem'),
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

  it('resolve: BatchGetItem, GetItem and Query on the table, kms:Decrypt only with both encryption-context keys', () => {
    expect(roleOf('resolve-registry-auth').statements).toEqual([
      ...base('resolve-registry-auth'),
      onTable('dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'),
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
    // The console's BucketDeployment handler is the CDK's own (infra/constructs/console-hosting.ts).
    const statements = ofType('AWS::IAM::Policy')
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .flatMap(([, p]) => p.Properties['PolicyDocument'].Statement);
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
    // Who a console user is (the identity pool role is shared) and where the call came from.
    expect(format).toMatchObject({
      ip: '$context.identity.sourceIp',
      accountId: '$context.identity.accountId',
      principalOrgId: '$context.identity.principalOrgId',
      cognitoIdentityId: '$context.identity.cognitoIdentityId',
      cognitoAuthenticationProvider: '$context.identity.cognitoAuthenticationProvider',
    });
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
  // A separate app, so the grants' policies do not leak into the assertions above.
  const granted = appWithoutBundling();
  const grantee = (id: string, capabilities: Capability[]) => {
    const role = new Role(granted.stack, id, { assumedBy: new AccountRootPrincipal() });
    granted.stack.api.grantProjectAccess(role, 'team-a', capabilities);
    return role;
  };
  const grantees = { reader: grantee('Reader', ['read']), writer: grantee('Writer', ['write']), both: grantee('Both', ['write', 'read']) };
  const template = Template.fromStack(granted.stack);
  const apiId = logicalId(granted.stack.api.api);
  const arn = (method: string, path: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', { Ref: apiId }, `/$default/${method}${path}`]],
  });
  // minimizePolicies sorts a statement's resources.
  const sorted = (items: unknown[]) => items.map((i) => JSON.stringify(i)).sort();
  const resourcesOf = (role: Role) => {
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
    return policy?.['Properties'].PolicyDocument.Statement as { Action: string; Resource: unknown }[];
  };

  it('read: execute-api:Invoke on the list route of that project, nothing else', () => {
    expect(resourcesOf(grantees.reader)).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: arn('GET', '/projects/team-a/docker-credentials') },
    ]);
  });

  it('write: add, update, verify and delete, the credential id as *', () => {
    const [statement, ...others] = resourcesOf(grantees.writer);
    expect(others).toEqual([]);
    expect(statement).toMatchObject({ Action: 'execute-api:Invoke', Effect: 'Allow' });
    expect(sorted(statement!.Resource as unknown[])).toEqual(
      sorted([
        arn('POST', '/projects/team-a/docker-credentials'),
        arn('PATCH', '/projects/team-a/docker-credentials/*'),
        arn('POST', '/projects/team-a/docker-credentials/*/verify'),
        arn('DELETE', '/projects/team-a/docker-credentials/*'),
      ]),
    );
  });

  it('each capability grants exactly the ARNs of its routes in the route table, and capabilities add up', () => {
    const expected = (capabilities: Capability[]) =>
      routeList.filter((r) => capabilities.includes(r.capability)).map((r) => arn(r.method, r.path.replace('{project}', 'team-a').replace(/\{\w+\}/g, '*')));
    const granted = (role: Role) => resourcesOf(role).flatMap((s) => [s.Resource].flat());
    expect(sorted(granted(grantees.reader))).toEqual(sorted(expected(['read'])));
    expect(sorted(granted(grantees.writer))).toEqual(sorted(expected(['write'])));
    expect(sorted(granted(grantees.both))).toEqual(sorted(expected(['write', 'read'])));
  });

  it('no read or write grant reaches a route that returns a password (resolve)', () => {
    const resolvePaths = routeList.filter((r) => r.capability === 'resolve').map((r) => `${r.method}${projectRoutePath(r, 'team-a')}`);
    const text = JSON.stringify(resourcesOf(grantees.both));
    for (const path of resolvePaths) expect(text).not.toContain(path);
  });

  it('rejects project names that could widen the ARN, and capabilities no route needs', () => {
    for (const bad of ['*', 'team-a/*', 'Team-A', '', 'a*']) {
      expect(() => granted.stack.api.grantProjectAccess(grantees.reader, bad, ['read'])).toThrow(/invalid project name/);
    }
    expect(() => granted.stack.api.grantProjectAccess(grantees.reader, 'team-a', [])).toThrow(/no route of this API needs/);
  });
});

describe('grantedRoutes', () => {
  const route = (name: string, method: Route['method'], path: string, capability: Capability) =>
    ({ name, method, path, capability, entry: '', hasBody: false, summary: '' }) as unknown as Route;
  const table = [
    route('get-one', 'GET', '/projects/{project}/docker-credentials/{id}', 'read'),
    route('reveal', 'GET', '/projects/{project}/docker-credentials/{id}/secret', 'resolve'),
    route('resolve', 'GET', '/projects/{project}/registry-auth', 'resolve'),
    route('replace', 'PATCH', '/projects/{project}/docker-credentials/{id}/secret', 'write'),
  ];

  it('fills in the project and turns every other path parameter into *', () => {
    expect(grantedRoutes(table, ['resolve'], 'p1').map((g) => `${g.route.method} ${g.path}`)).toEqual([
      'GET /projects/p1/docker-credentials/*/secret',
      'GET /projects/p1/registry-auth',
    ]);
  });

  it('refuses a grant whose * would also match a route of a capability it does not grant (same method only)', () => {
    expect(() => grantedRoutes(table, ['read'], 'p1')).toThrow(/get-one would also match reveal \(resolve\)/);
    expect(grantedRoutes(table, ['read', 'resolve'], 'p1')).toHaveLength(3);
    expect(grantedRoutes(table, ['write'], 'p1').map((g) => g.path)).toEqual(['/projects/p1/docker-credentials/*/secret']);
  });

  it('the real route table has no such overlap for any combination of capabilities', () => {
    const all: Capability[] = ['read', 'write', 'resolve'];
    const combinations = all.flatMap((c, i) => [[c], ...all.slice(i + 1).map((d) => [c, d])]);
    for (const capabilities of combinations) {
      if (!routeList.some((r) => capabilities.includes(r.capability))) continue;
      expect(() => grantedRoutes(routeList, capabilities, 'p1')).not.toThrow();
    }
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
    template.templateMatches(Match.objectLike({ Outputs: Match.objectLike({ TableName: Match.anyValue(), KeyAlias: { Value: { Ref: logicalId(stack.storage.alias) } } }) }));
  });
});
