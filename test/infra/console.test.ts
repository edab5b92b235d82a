// The console's hosting and sign-in (infra/constructs/console-hosting.ts), from the synthesised template.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { contextKeys } from '../../infra/config.ts';
import { consoleCors } from '../../infra/constructs/console-hosting.ts';
import { createApp } from '../../infra/regcred-app.ts';
import { logicalId, policiesOfRole, resources, skipBundling, synthWithoutBundling } from './synth.ts';

const { stack, template } = synthWithoutBundling();
const all = resources(template);
const hosting = stack.console;
const distributionId = logicalId(hosting.distribution);
const consoleOrigin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };

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
    const [policy] = Object.values(all).filter((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(policy!.Properties['ResponseHeadersPolicyConfig'].SecurityHeadersConfig.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('https://*.execute-api.');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('deploys the console built at synth time plus a config.json naming the API and the pools', () => {
    const deployment = Object.values(all).find((r) => r.Type === 'Custom::CDKBucketDeployment')!;
    expect(deployment.Properties['SourceObjectKeys']).toHaveLength(2);
    expect(deployment.Properties['DistributionPaths']).toEqual(['/*']);
    const markers = JSON.stringify(deployment.Properties['SourceMarkers']);
    // config.json's values: the API, the user pool, its client and domain, the identity pool.
    const referenced = [stack.api.api, hosting.userPool, hosting.client, hosting.domain, hosting.identityPool].map((c) => `{"Ref":"${logicalId(c)}"}`);
    for (const ref of referenced) expect(markers).toContain(ref);
    for (const file of ['index.html', 'console/app.js', 'console/style.css']) expect(existsSync(join('dist/console-site', file))).toBe(true);
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
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [consoleOrigin],
        AllowHeaders: [...consoleCors.allowHeaders],
        AllowMethods: [...consoleCors.allowMethods],
        ExposeHeaders: [...consoleCors.exposeHeaders],
        MaxAge: consoleCors.maxAge,
      },
    });
    const routeKeys = Object.values(all).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties['RouteKey'] as string);
    expect(routeKeys.filter((k) => k.startsWith('OPTIONS') || k.startsWith('ANY'))).toEqual([]);
    expect(consoleCors.allowHeaders).toEqual(expect.arrayContaining(['authorization', 'x-amz-date', 'x-amz-security-token', 'if-match']));
  });
});
