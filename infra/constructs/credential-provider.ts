import { ArnFormat, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct } from 'constructs';
import { envNames } from '../../functions/contract/config.ts';
import { routes } from '../../functions/contract/routes.ts';
import { projectSecretPrefix } from '../../functions/core/stack-grants.ts';
import type { StackGrant } from '../config.ts';
import { functionDefaults, RegcredFunction } from './api-function.ts';
import type { CredentialStorage } from './credential-storage.ts';
import { routePermissions } from './route-permissions.ts';

export interface CredentialProviderProps {
  readonly storage: CredentialStorage;
  /**
   * Which stacks may declare credentials in which project (the grants file's `stacks`). The function
   * refuses every other event, and may read only `regcred/<project>/*` secrets of those projects in
   * the granted stacks' accounts. (A secret of another account also needs its own resource policy,
   * and its KMS key's, to allow the provider's role.)
   */
  readonly stackGrants: readonly StackGrant[];
  /** Retention of the provider's logs (its audit lines; retained). */
  readonly auditLogRetention: RetentionDays;
}

/** The account a stack grant names: the id itself, or the literal account of a StackId pattern. */
const grantAccount = (stack: string) => (/^\d{12}$/.test(stack) ? stack : stack.split(':')[4]!);

/**
 * The RegistryCredential custom resource's provider: an onEvent function that runs the add, update
 * and delete use cases directly (not over HTTP) and reads each password from Secrets Manager.
 */
export class CredentialProvider extends Construct {
  readonly onEvent: RegcredFunction;
  readonly provider: Provider;

  constructor(scope: Construct, id: string, props: CredentialProviderProps) {
    super(scope, id);
    const { table, key } = props.storage;
    const stack = Stack.of(this);
    this.onEvent = new RegcredFunction(this, 'OnEvent', {
      spec: { name: 'credential-resource', entry: 'functions/credential-resource.ts', description: 'regcred: RegistryCredential custom resource', timeoutSeconds: 30 },
      auditLogRetention: props.auditLogRetention,
      environment: {
        [envNames.tableName]: table.tableName,
        [envNames.kmsKeyId]: key.keyArn,
        [envNames.stackGrants]: JSON.stringify(props.stackGrants.map(({ project, stack }) => ({ project, stack }))),
      },
    });
    for (const route of [routes.addCredential, routes.updateCredential, routes.deleteCredential]) {
      for (const statement of routePermissions(route.name, table, key)) this.onEvent.role.addToPrincipalPolicy(statement);
    }
    // Each granted project's own secrets, in the accounts of the stacks granted it; nothing without grants.
    const secretArns = [...new Set(props.stackGrants.map((g) => `${grantAccount(g.stack)} ${g.project}`))].sort().map((pair) => {
      const [account, project] = pair.split(' ') as [string, string];
      return stack.formatArn({ service: 'secretsmanager', account, resource: 'secret', resourceName: `${projectSecretPrefix(project)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    });
    if (secretArns.length > 0) {
      this.onEvent.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }));
      const onEventPolicy = this.onEvent.role.node.findChild('DefaultPolicy');
      for (const arn of secretArns) {
        Validations.of(onEventPolicy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`,
          reason: 'GetSecretValue on one granted project\'s secrets (regcred/<project>/*) only: they live in the stacks that declare them, so their ARNs are unknown here; the name prefix is the boundary, and the function checks it against the event\'s project (README, RegistryCredential).',
        });
      }
    }
    this.onEvent.acknowledgeNoAsyncInvocation(
      'Invoked only synchronously by the custom-resources Provider framework, which reports a failure to CloudFormation (the stack operation fails and rolls back).',
    );
    // The framework's own function: an explicit log group and a role that may write only there (no managed policy).
    const frameworkLogs = new LogGroup(this, 'FrameworkLogs', { retention: functionDefaults.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const frameworkRole = new Role(this, 'FrameworkRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'regcred: custom-resources framework (invokes OnEvent)',
    });
    frameworkLogs.grantWrite(frameworkRole);
    this.provider = new Provider(this, 'Provider', { onEventHandler: this.onEvent.function, frameworkOnEventRole: frameworkRole, logGroup: frameworkLogs });
    Validations.of(frameworkRole.node.findChild('DefaultPolicy')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.onEvent.function.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'lambda:InvokeFunction on OnEvent and its versions (ARN:*), as the Provider framework grants it; the role can invoke nothing else.',
    });
    const framework = this.provider.node.findChild('framework-onEvent');
    const frameworkWhy = 'The custom-resources framework function is generated by aws-cdk-lib (memory, tracing and DLQ are not configurable); it only relays CloudFormation requests to OnEvent and reports failures to CloudFormation itself.';
    Validations.of(framework).acknowledge(
      { id: 'Serverless-LambdaDefaultMemorySize', reason: frameworkWhy },
      { id: 'Serverless-LambdaDLQ', reason: frameworkWhy },
      { id: 'Serverless-LambdaTracing', reason: frameworkWhy },
    );
  }

  get serviceToken(): string {
    return this.provider.serviceToken;
  }
}
