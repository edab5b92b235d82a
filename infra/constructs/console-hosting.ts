// The web console, deployed: its static files (console/, built with esbuild at synth time) on a
// private S3 bucket behind CloudFront (origin access control), sign-in with a Cognito user pool, and
// AWS credentials from a Cognito identity pool whose authenticated role is granted projects with the
// same grantProjectAccess as any other principal. The browser signs API calls with SigV4; the API
// answers CORS preflights for the console's origin itself (no OPTIONS route, so no IAM check).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Distribution, HeadersFrameOption, HeadersReferrerPolicy, ResponseHeadersPolicy, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { FeaturePlan, Mfa, OAuthScope, UserPool, StandardThreatProtectionMode, type UserPoolClient, type UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { IdentityPool, UserPoolAuthenticationProvider } from 'aws-cdk-lib/aws-cognito-identitypool';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { buildConsole } from '../../console/build.ts';
import type { ConsoleConfig } from '../../console/config.ts';
import type { ConsoleGrant } from '../config.ts';
import type { CredentialsApi } from './credentials-api.ts';

export interface ConsoleHostingProps {
  readonly api: CredentialsApi;
  /** The projects and capabilities every signed-in console user gets (regcred.grants.json `console`). */
  readonly grants: readonly ConsoleGrant[];
}

const siteRoot = join(dirname(fileURLToPath(import.meta.url)), '../../.cache/console-site');

/**
 * Writes the built console for the BucketDeployment (a clean checkout builds it here) into a
 * directory named by its content, written whole and then renamed: syntheses running at once (the
 * tests, npm start) never see another one's half-written or removed site.
 */
export function writeSite(): string {
  const files = [...buildConsole()];
  const digest = createHash('sha256');
  for (const [path, contents] of files) digest.update(`${path}\0`).update(contents).update('\0');
  const dir = join(siteRoot, digest.digest('hex').slice(0, 16));
  if (existsSync(dir)) return dir;
  const building = `${dir}.${process.pid}.tmp`;
  rmSync(building, { recursive: true, force: true });
  for (const [path, contents] of files) {
    mkdirSync(dirname(join(building, path)), { recursive: true });
    writeFileSync(join(building, path), contents);
  }
  try {
    renameSync(building, dir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(dir)) throw error;
  }
  return dir;
}

/** Headers the API accepts from the console: SigV4's, JSON's and If-Match; and those it may read. */
export const consoleCors = {
  allowHeaders: ['authorization', 'content-type', 'if-match', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'],
  allowMethods: ['GET', 'POST', 'PATCH', 'DELETE'],
  exposeHeaders: ['etag', 'location', 'retry-after'],
  maxAge: 600,
} as const;

export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly identityPool: IdentityPool;
  readonly apiCors: AwsCustomResource;
  /** The console's address, `https://<distribution>/`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { region, partition, urlSuffix } = stack;
    const apiId = props.api.api.apiId;
    // The hosted sign-in's prefix is global per region, so it must be unique: the stack id's UUID
    // (not the account id, which a public sign-in URL would publish).
    const domainPrefix = `regcred-${Fn.select(2, Fn.split('/', stack.stackId))}`;
    // The exact endpoints the page calls: its API, its sign-in domain's token endpoint, the identity pool.
    const connectSrc = [
      "'self'",
      `https://${apiId}.execute-api.${region}.${urlSuffix}`,
      `https://${domainPrefix}.auth.${region}.amazoncognito.com`,
      `https://cognito-identity.${region}.${urlSuffix}`,
    ].join(' ');
    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; connect-src ${connectSrc}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'regcred console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
    });
    const consoleUrl = `https://${this.distribution.distributionDomainName}`;

    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.domain = this.userPool.addDomain('SignIn', { cognitoDomain: { domainPrefix } });
    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: { flows: { authorizationCodeGrant: true }, scopes: [OAuthScope.OPENID, OAuthScope.EMAIL], callbackUrls: [`${consoleUrl}/`], logoutUrls: [`${consoleUrl}/`] },
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    this.identityPool = new IdentityPool(this, 'Identities', {
      allowUnauthenticatedIdentities: false,
      authenticationProviders: { userPools: [new UserPoolAuthenticationProvider({ userPool: this.userPool, userPoolClient: this.client })] },
    });
    for (const grant of props.grants) props.api.grantProjectAccess(this.identityPool.authenticatedRole, grant.project, grant.capabilities);

    // The API's CORS names the distribution, and the distribution's CSP names the API: set on the
    // API (AWS::ApiGatewayV2::Api CorsConfiguration), that is a cycle. So an UpdateApi call sets it
    // once both exist (physical id per API: a replaced API gets it again). The Api resource sets none.
    const cors = {
      AllowOrigins: [consoleUrl],
      AllowHeaders: [...consoleCors.allowHeaders],
      AllowMethods: [...consoleCors.allowMethods],
      ExposeHeaders: [...consoleCors.exposeHeaders],
      MaxAge: consoleCors.maxAge,
    };
    const apiArn = `arn:${partition}:apigateway:${region}::/apis/${apiId}`;
    this.apiCors = new AwsCustomResource(this, 'ApiCors', {
      onUpdate: {
        service: 'ApiGatewayV2',
        action: 'UpdateApi',
        parameters: { ApiId: apiId, CorsConfiguration: cors },
        physicalResourceId: PhysicalResourceId.of(`${apiId}-cors`),
      },
      onDelete: { service: 'ApiGatewayV2', action: 'DeleteCorsConfiguration', parameters: { ApiId: apiId }, ignoreErrorCodesMatching: 'NotFoundException' },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['apigateway:PATCH'], resources: [apiArn] }),
        new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [`${apiArn}/cors`] }),
      ]),
      installLatestAwsSdk: false,
      memorySize: 256,
    });

    const config: ConsoleConfig = {
      apiUrl: props.api.url,
      auth: {
        region,
        userPoolId: this.userPool.userPoolId,
        userPoolClientId: this.client.userPoolClientId,
        signInUrl: this.domain.baseUrl(),
        identityPoolId: this.identityPool.identityPoolId,
      },
    };
    const deployment = new BucketDeployment(this, 'Deploy', {
      sources: [Source.asset(writeSite()), Source.jsonData('console/config.json', config)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
      // Deleting the deployment deletes its files, so `cdk destroy` finds the bucket empty and can delete it.
      retainOnDelete: false,
    });
    acknowledgeHosting(this, deployment);
    acknowledgeCorsSetter(this);
    this.url = `${consoleUrl}/`;
  }
}

// What cdk-nag finds on the CDK's AwsCustomResource singleton that sets the API's CORS (its policy
// is exact: UpdateApi on this API, DeleteCorsConfiguration on its CORS).
function acknowledgeCorsSetter(hosting: ConsoleHosting): void {
  const handler = Stack.of(hosting).node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  const role = handler?.node.tryFindChild('ServiceRole');
  if (!handler || !role) throw new Error('AwsCustomResource handler not found');
  const why = "The CDK AwsCustomResource singleton: library code run by CloudFormation to set the API's CORS (UpdateApi) when the console's distribution exists";
  acknowledge(handler, {
    'Serverless-LambdaDLQ': `${why}; CloudFormation invokes it synchronously and fails the deploy on an error.`,
    'Serverless-LambdaTracing': `${why}; not on any request path, so there is nothing to trace.`,
  });
  acknowledge(role, {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': `${why}; the managed policy only lets it write its own logs.`,
  });
}

function acknowledge(construct: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(construct).acknowledge({ id, reason });
}

// What cdk-nag finds here, each for a reason. The BucketDeployment's handler is the CDK's own
// singleton (its runtime, role and policies are the library's), run once per deploy to copy files.
function acknowledgeHosting(hosting: ConsoleHosting, deployment: BucketDeployment): void {
  acknowledge(hosting.bucket, {
    'AwsSolutions-S1': 'Holds only the public console build, rewritten on every deploy and read only by CloudFront; requests are in CloudFront, API calls in the API access log.',
  });
  acknowledge(hosting.distribution, {
    'AwsSolutions-CFR1': 'The console is static and public by design (sign-in happens in Cognito, data is behind IAM); no country is special.',
    'AwsSolutions-CFR2': 'Serves static files only; every API call goes straight to the IAM-authorised, throttled HTTP API, not through this distribution.',
    'AwsSolutions-CFR3': 'Static public files only; no secret or user data passes through the distribution, so its access logs would record nothing worth a bucket.',
    'AwsSolutions-CFR4': 'Uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; a custom domain with its own certificate can set TLSv1.2_2021.',
  });
  const handler = Stack.of(hosting).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new Error('BucketDeployment handler not found');
  const why = 'The CDK BucketDeployment singleton: library code run once per deploy to copy the console build';
  acknowledge(handler, {
    'AwsSolutions-L1': `${why}; its runtime is the one aws-cdk-lib ships and tests.`,
    'Serverless-LambdaDLQ': `${why}; CloudFormation invokes it synchronously and fails the deploy on an error.`,
    'Serverless-LambdaLatestVersion': `${why}; its runtime is the one aws-cdk-lib ships and tests.`,
    'Serverless-LambdaTracing': `${why}; not on any request path, so there is nothing to trace.`,
  });
  const role = deployment.handlerRole;
  acknowledge(role, {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': `${why}; the managed policy only lets it write its own logs.`,
  });
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!policy) throw new Error('BucketDeployment policy not found');
  const scoped = `${why}; its wildcards are scoped by the CDK to the asset bucket and the console bucket.`;
  acknowledge(policy, {
    'AwsSolutions-IAM5[Action::s3:GetBucket*]': scoped,
    'AwsSolutions-IAM5[Action::s3:GetObject*]': scoped,
    'AwsSolutions-IAM5[Action::s3:List*]': scoped,
    'AwsSolutions-IAM5[Action::s3:Abort*]': scoped,
    'AwsSolutions-IAM5[Action::s3:DeleteObject*]': scoped,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]': scoped,
    'AwsSolutions-IAM5[Resource::<ConsoleSite26539DB4.Arn>/*]': scoped,
    'AwsSolutions-IAM5[Resource::*]': `${why}; cloudfront:CreateInvalidation and GetInvalidation take no resource narrower than *.`,
  });
}
