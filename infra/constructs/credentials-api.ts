import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CfnStage, HttpApi, HttpMethod as ApiMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, Policy, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { envNames } from '../../functions/contract/config.ts';
import { routeList, type Capability, type Route } from '../../functions/contract/routes.ts';
import { projectName } from '../../functions/contract/schemas.ts';
import type { Throttle, Throttling } from '../config.ts';
import { ApiFunction } from './api-function.ts';
import type { CredentialStorage } from './credential-storage.ts';
import { grantedRoutes } from './project-routes.ts';
import { routePermissions } from './route-permissions.ts';

export interface CredentialsApiProps {
  readonly storage: CredentialStorage;
  /** Stage-wide and per-route request rates (infra/config.ts). */
  readonly throttling: Throttling;
  /** Retention of the log groups of the routes that return a password (audited; retained). */
  readonly auditLogRetention: RetentionDays;
}

const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.userArn',
  userId: '$context.identity.user',
  accountId: '$context.identity.accountId',
  principalOrgId: '$context.identity.principalOrgId',
  // Console users share the identity pool's role: these name the person (the provider carries the user pool sub).
  cognitoIdentityId: '$context.identity.cognitoIdentityId',
  cognitoAuthenticationProvider: '$context.identity.cognitoAuthenticationProvider',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

/** The HTTP API: one IAM-authorised route and one function per entry of the route table. */
export class CredentialsApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;
  readonly functions: Record<string, ApiFunction> = {};

  constructor(scope: Construct, id: string, props: CredentialsApiProps) {
    super(scope, id);
    const { table, key } = props.storage;
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: 'regcred',
      description: 'regcred: container-registry credentials vault',
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttling.default,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });

    const environment = { [envNames.tableName]: table.tableName, [envNames.kmsKeyId]: key.keyArn };
    for (const route of routeList) {
      const fn = new ApiFunction(this, route.name, {
        route,
        environment,
        ...(route.capability === 'resolve' && { auditLogRetention: props.auditLogRetention }),
      });
      for (const statement of routePermissions(route.name, table, key)) fn.role.addToPrincipalPolicy(statement);
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [ApiMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}-integration`, fn.function),
      });
      // The stage's route settings name the route, which must exist first.
      this.stage.node.addDependency(httpRoute!);
      this.functions[route.name] = fn;
    }
    (this.stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      routeList.map((route) => {
        const { rateLimit, burstLimit } = routeThrottle(props.throttling, route);
        // A JSON property: CloudFormation's own casing, not the CDK's.
        return [`${route.method} ${route.path}`, { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }];
      }),
    );
  }

  /**
   * Lets `grantee` call the routes that need one of `capabilities` on one project only:
   * `execute-api:Invoke` on each such route's ARN (see grantedRoutes), never a whole project.
   */
  grantProjectAccess(grantee: IGrantable, project: string, capabilities: readonly Capability[]): Grant {
    // A project name is a DNS label, so it can never widen the ARN with `*` or `/`.
    if (!projectName.safeParse(project).success) throw new Error(`invalid project name: ${JSON.stringify(project)}`);
    const arns = grantedRoutes(routeList, capabilities, project).map(({ route, path }) => ({
      path,
      arn: this.api.arnForExecuteApi(route.method, path, this.stage.stageName),
    }));
    const grant = Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns: arns.map((a) => a.arn) });
    acknowledgeIdWildcards(grantee, project, arns.filter((a) => a.path.includes('*')).map((a) => a.arn));
    return grant;
  }

  get url(): string {
    return this.stage.url;
  }
}

/** The most specific setting for the route: by name, then by capability, then the stage default. */
function routeThrottle(throttling: Throttling, route: Route): Throttle {
  return throttling.routes[route.name] ?? throttling.capabilities[route.capability] ?? throttling.default;
}

// The * in an ARN stands for a path parameter such as a credential id, so cdk-nag's wildcard finding
// is expected; acknowledge exactly those findings on the grantee's policy. A grantee in another stack
// resolves differently and still gets the finding, for its owner to review.
function acknowledgeIdWildcards(grantee: IGrantable, project: string, resourceArns: string[]): void {
  const principal = grantee.grantPrincipal;
  // A Role's DefaultPolicy, or the Policy that an imported (mutable) role adds.
  const policy = Construct.isConstruct(principal) ? principal.node.children.find((c) => c instanceof Policy) : undefined;
  if (!policy) return;
  for (const arn of resourceArns) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(policy).resolve(arn))}]`,
      reason: `execute-api:Invoke on one route of project ${project} only; the * is a path parameter such as a credential id (CredentialsApi.grantProjectAccess).`,
    });
  }
}
