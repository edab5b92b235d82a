import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from '../../functions/contract/routes.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * How every function is bundled: one minified CommonJS file with the AWS SDK inside, and its source map
 * beside it. CommonJS, because an ESM bundle's `import ... from 'node:http'` (or fs, util) builds the
 * builtin's ESM facade, which reads every export, lazy ones included: node:http's loads undici. That
 * cost tens of milliseconds at every cold start (bench/RESULTS.md); `require` reads only what is used.
 * The asset's own package.json says so, for a bundle that sits below regcred's (`"type": "module"`)
 * in the local stack.
 */
export const esbuildBundling = {
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: [],
  // The SDK's default credential chain, cut to what Lambda uses: the environment (functions/adapters/lambda-credentials.ts).
  esbuildArgs: { '--tree-shaking': 'true', '--alias': '@aws-sdk/credential-provider-node=./functions/adapters/lambda-credentials.ts' },
  forceDockerBundling: false,
  // Warnings and errors only: `npm run synth` stays quiet (esbuild's default also lists every output file).
  logLevel: LogLevel.WARNING,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => [`echo '{"type":"commonjs"}' > "${outputDir}/package.json"`],
  },
} satisfies BundlingOptions;

export const functionDefaults = {
  memorySize: 512,
  // aws-clients.ts sizes SDK timeouts so one KMS plus one DynamoDB call always finishes well inside this.
  timeout: Duration.seconds(10),
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/** What a function of regcred is: an API route, or a worker (stream publisher, queue worker, provider). */
export interface FunctionSpec {
  /** Stable name, used in the description and the role's. */
  readonly name: string;
  /** Lambda entry file, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds?: number | undefined;
}

export interface RegcredFunctionProps {
  readonly spec: FunctionSpec;
  readonly environment: Record<string, string>;
  /** Where Lambda keeps failed asynchronous invocations (functions invoked asynchronously only). */
  readonly deadLetterQueue?: IQueue;
  /** Another action the function needs on Resource * (the service has no resource-level permission for it), and why. */
  readonly alsoOnAnyResource?: { readonly action: string; readonly why: string };
  /** An audited function's logs: kept this long and retained when the stack is deleted. @default 30 days, destroyed with the stack */
  readonly auditLogRetention?: RetentionDays | undefined;
}

/**
 * One Lambda function with the shared defaults: Node 24 on arm64, a CommonJS bundle with the AWS SDK
 * inside and its source map (read only to log a failure), X-Ray, an explicit log group, and a role that starts with only the right to
 * write to that log group (no managed policy); callers add exactly what the function needs.
 */
export class RegcredFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RegcredFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.auditLogRetention ?? functionDefaults.logRetention,
      removalPolicy: props.auditLogRetention === undefined ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `regcred ${spec.name}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(repoRoot, spec.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      description: spec.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: functionDefaults.memorySize,
      timeout: spec.timeoutSeconds === undefined ? functionDefaults.timeout : Duration.seconds(spec.timeoutSeconds),
      ...(props.deadLetterQueue && { deadLetterQueueEnabled: true, deadLetterQueue: props.deadLetterQueue }),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      // No --enable-source-maps: it parses the map at every cold start; the failure log reads it lazily (functions/http/stack-frames.ts).
      environment: props.environment,
      bundling: esbuildBundling,
    });
    const also = props.alsoOnAnyResource;
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Only xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) use Resource *: X-Ray has no resource-level permissions${also ? `; and ${also.action}: ${also.why}` : ''}. Tests pin every statement of this policy.`,
    });
  }

  /** For a function that is never invoked asynchronously: Lambda's own DLQ could never receive anything. */
  acknowledgeNoAsyncInvocation(why: string): void {
    Validations.of(this.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason: why });
  }
}

export interface ApiFunctionProps {
  readonly route: Route;
  readonly environment: Record<string, string>;
  /** For the routes that return a password (they write the audit line). */
  readonly auditLogRetention?: RetentionDays | undefined;
}

/** One route's function. */
export class ApiFunction extends RegcredFunction {
  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    const { route } = props;
    super(scope, id, {
      spec: { name: route.name, entry: route.entry, description: `regcred ${route.method} ${route.path}`, timeoutSeconds: route.timeoutSeconds },
      environment: props.environment,
      auditLogRetention: props.auditLogRetention,
    });
    this.acknowledgeNoAsyncInvocation(
      'Invoked only synchronously by API Gateway: a failure is returned to the caller as an HTTP error and logged; there are no asynchronous events a DLQ could keep.',
    );
  }
}
