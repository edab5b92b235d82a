// The console's hosting and sign-in (infra/constructs/console-hosting.ts), from the synthesised template.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { contextKeys } from '../../infra/config.ts';
import { consoleCors, writeSite } from '../../infra/constructs/console-hosting.ts';
import { createApp } from '../../infra/regcred-app.ts';
import { logicalId, policiesOfRole, resources, skipBundling, synthWithoutBundling } from './synth.ts';

const { stack, template } = synthWithoutBundling();
const all = resources(template);
const hosting = stack.console;
const distributionId = logicalId(hosting.distribution);
const consoleOrigin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };
const apiId = logicalId(stack.api.api);

/** A template value as one string, each intrinsic written as `<Ref X>`, `<X.Attr>` or `<stack uuid>`. */
function flat(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flat).join(v['Fn::Join'][0]);
  if (v['Ref']) return `<Ref ${v['Ref']}>`;
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  if (JSON.stringify(v) === JSON.stringify({ 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] })) return '<stack uuid>';
  throw new Error(`unexpected intrinsic ${JSON.stringify(v)}`);
}

/** Logical ids a resource refers to (Ref, GetAtt, DependsOn), pseudo parameters left out. */
function references(resource: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(resource)) for (const item of resource) references(item, out);
  else if (resource && typeof resource === 'object') {
    for (const [key, value] of Object.entries(resource)) {
      if (key === 'Ref' && typeof value === 'string' && !value.startsWith('AWS::')) out.add(value);
      else if (key === 'Fn::GetAtt') out.add((value as string[])[0]!);
      else if (key === 'DependsOn') for (const d of [value].flat() as string[]) out.add(d);
      else references(value, out);
    }
  }
  return out;
}

describe('console hosting', () => {
  it('keeps the files in a private, encrypted, TLS-only bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('serves them only through CloudFront with origin access control, over HTTPS, with a CSP', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('the CSP names exactly the endpoints the page calls: its API, its sign-in domain, the identity pool', () => {
    const [policy] = Object.values(all).filter((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = flat(policy!.Properties['ResponseHeadersPolicyConfig'].SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toBe(
      "default-src 'self'; " +
        `connect-src 'self' https://<Ref ${apiId}>.execute-api.<Ref AWS::Region>.<Ref AWS::URLSuffix> ` +
        'https://regcred-<stack uuid>.auth.<Ref AWS::Region>.amazoncognito.com https://cognito-identity.<Ref AWS::Region>.<Ref AWS::URLSuffix>; ' +
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(csp).not.toContain('*');
    // The sign-in domain in the CSP is the deployed one.
    const [domain] = Object.values(all).filter((r) => r.Type === 'AWS::Cognito::UserPoolDomain');
    expect(csp).toContain(`https://${flat(domain!.Properties['Domain'])}.auth.`);
  });

  it('the sign-in domain prefix comes from the stack id, never the account id', () => {
    const [domain] = Object.values(all).filter((r) => r.Type === 'AWS::Cognito::UserPoolDomain');
    expect(flat(domain!.Properties['Domain'])).toBe('regcred-<stack uuid>');
    expect(JSON.stringify(domain)).not.toContain('AccountId');
  });

  it('has no dependency cycle, and the distribution does not wait for the API’s CORS', () => {
    const graph = new Map(Object.entries(all).map(([id, r]) => [id, references(r)]));
    const state = new Map<string, 'open' | 'done'>();
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'open') throw new Error(`cycle: ${[...path, id].join(' -> ')}`);
      state.set(id, 'open');
      for (const next of graph.get(id) ?? []) if (graph.has(next)) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of graph.keys()) visit(id, []);
    const policyId = Object.entries(all).find(([, r]) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')![0];
    expect(graph.get(policyId)).toEqual(new Set([apiId]));
    expect(graph.get(apiId)).toEqual(new Set());
  });

  it('deploys the console built at synth time plus a config.json naming the API and the pools', () => {
    const deployment = Object.values(all).find((r) => r.Type === 'Custom::CDKBucketDeployment')!;
    expect(deployment.Properties['SourceObjectKeys']).toHaveLength(2);
    expect(deployment.Properties['DistributionPaths']).toEqual(['/*']);
    const markers = JSON.stringify(deployment.Properties['SourceMarkers']);
    // config.json's values: the API, the user pool, its client and domain, the identity pool.
    const referenced = [stack.api.api, hosting.userPool, hosting.client, hosting.domain, hosting.identityPool].map((c) => `{"Ref":"${logicalId(c)}"}`);
    for (const ref of referenced) expect(markers).toContain(ref);
    for (const file of ['index.html', 'console/app.js', 'console/style.css']) expect(existsSync(join(writeSite(), file))).toBe(true);
  });
});

describe('console sign-in', () => {
  it('has an admin-only user pool with MFA and a public code+PKCE client returning to the console', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      CallbackURLs: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] }],
    });
  });

  it('trades only authenticated users of that pool for AWS credentials', () => {
    template.hasResourceProperties('AWS::Cognito::IdentityPool', {
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [Match.objectLike({ ClientId: { Ref: logicalId(hosting.client) } })],
    });
    const roleId = logicalId(hosting.identityPool.authenticatedRole);
    const trust = all[roleId]!.Properties['AssumeRolePolicyDocument'].Statement[0];
    expect(trust).toMatchObject({
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Condition: { 'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' } },
    });
    // No console grants configured: a signed-in user can call nothing.
    expect(policiesOfRole(all, roleId)).toEqual([]);
  });

  it('grants the authenticated role the configured projects through grantProjectAccess, by capability', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'regcred-console-')), 'grants.json');
    writeFileSync(file, JSON.stringify({ grants: [], console: [{ project: 'team-a', capabilities: ['read'] }] }));
    const configured = createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: file } });
    const configuredAll = resources(Template.fromStack(configured.stack));
    const roleId = configured.stack.getLogicalId(configured.stack.console.identityPool.authenticatedRole.node.defaultChild as never);
    const statements = policiesOfRole(configuredAll, roleId).flatMap(([, p]) => p.Properties['PolicyDocument'].Statement);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    expect(JSON.stringify(statements[0].Resource)).toContain('/$default/GET/projects/team-a/docker-credentials');
    expect(JSON.stringify(statements[0].Resource)).not.toContain('dockerconfigjson');
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('refuses a console grant with an unknown capability or a bad project', () => {
    for (const console of [[{ project: 'team-a', capabilities: ['admin'] }], [{ project: 'Team A', capabilities: ['read'] }]]) {
      const file = join(mkdtempSync(join(tmpdir(), 'regcred-console-')), 'grants.json');
      writeFileSync(file, JSON.stringify({ grants: [], console }));
      expect(() => createApp({ context: { ...skipBundling, [contextKeys.grantsFile]: file } })).toThrow(/console/);
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});

describe('the API for the console', () => {
  it('answers CORS preflights for the console origin only, itself (no OPTIONS route to authorise)', () => {
    // Set by an UpdateApi call once the distribution exists (see the cycle test), not on the Api resource.
    expect(all[apiId]!.Properties['CorsConfiguration']).toBeUndefined();
    const setter = all[logicalId(hosting.apiCors.node.findChild('Resource'))]!;
    const cors = {
      AllowOrigins: [`https://<${distributionId}.DomainName>`],
      AllowHeaders: [...consoleCors.allowHeaders],
      AllowMethods: [...consoleCors.allowMethods],
      ExposeHeaders: [...consoleCors.exposeHeaders],
      MaxAge: consoleCors.maxAge,
    };
    for (const phase of ['Create', 'Update']) {
      expect(JSON.parse(flat(setter.Properties[phase]))).toEqual({
        service: 'ApiGatewayV2',
        action: 'UpdateApi',
        parameters: { ApiId: `<Ref ${apiId}>`, CorsConfiguration: cors },
        physicalResourceId: { id: `<Ref ${apiId}>-cors` },
      });
    }
    const [, setterPolicy] = Object.entries(all).find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ConsoleApiCors'))!;
    expect(setterPolicy.Properties['PolicyDocument'].Statement.map((st: { Action: string; Resource: unknown }) => [st.Action, flat(st.Resource)])).toEqual([
      ['apigateway:PATCH', `arn:<Ref AWS::Partition>:apigateway:<Ref AWS::Region>::/apis/<Ref ${apiId}>`],
      ['apigateway:DELETE', `arn:<Ref AWS::Partition>:apigateway:<Ref AWS::Region>::/apis/<Ref ${apiId}>/cors`],
    ]);
    const routeKeys = Object.values(all).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties['RouteKey'] as string);
    expect(routeKeys.filter((k) => k.startsWith('OPTIONS') || k.startsWith('ANY'))).toEqual([]);
    expect(consoleCors.allowHeaders).toEqual(expect.arrayContaining(['authorization', 'x-amz-date', 'x-amz-security-token', 'if-match']));
  });
});
