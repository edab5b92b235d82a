// The synthesised template read as the local stack runs it: every role with its policies, every
// function with its bundle, environment, timeout, memory and role, the key policy, the queues, the
// event bus rules, the event source mappings and the schedules, all with local physical names.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NamedPolicy } from '../iam/evaluator.ts';
import { Intrinsics, type Physical, type Pseudo } from './intrinsics.ts';
import type { Assembly, TemplateResource } from './synth.ts';

export interface LocalRole {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly policies: readonly NamedPolicy[];
  readonly permissionBoundary?: NamedPolicy | undefined;
  /** AWS managed policies: their documents are not in the template, so the local gate cannot grant by them (README). */
  readonly managedPolicyArns: readonly string[];
}

export interface LocalFunction {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The asset's entry file (the esbuild output the asset holds), or undefined for a runtime the local stack cannot run. */
  readonly entryFile: string | undefined;
  readonly handlerExport: string;
  readonly runtime: string;
  /** The template's environment variables, resolved to local values. */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly role: LocalRole;
  readonly logGroupName: string;
}

export interface LocalQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly policy?: NamedPolicy | undefined;
  readonly visibilityTimeoutSeconds: number;
  readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number } | undefined;
}

/** One route of the HTTP API and the function its integration invokes. */
export interface LocalApiRoute {
  /** `METHOD /path`, as API Gateway's RouteKey. */
  readonly routeKey: string;
  readonly functionName: string;
  readonly authorizationType: string;
}

export interface LocalRule {
  readonly logicalId: string;
  readonly arn: string;
  readonly busName: string;
  readonly pattern: unknown;
  readonly targets: readonly { arn: string; inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string } }[];
}

export interface LocalEventSourceMapping {
  readonly functionName: string;
  readonly sourceArn: string;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
}

export interface LocalSchedule {
  readonly logicalId: string;
  readonly targetArn: string;
  readonly roleArn: string;
  readonly input?: string | undefined;
}

export interface LocalWorld {
  readonly account: string;
  readonly region: string;
  readonly roles: ReadonlyMap<string, LocalRole>;
  readonly functions: readonly LocalFunction[];
  /** Key policy by key ARN. */
  readonly keyPolicies: ReadonlyMap<string, NamedPolicy>;
  readonly queues: readonly LocalQueue[];
  readonly rules: readonly LocalRule[];
  readonly eventSourceMappings: readonly LocalEventSourceMapping[];
  readonly schedules: readonly LocalSchedule[];
  /** Identity policies that the template attaches to roles it does not create (grant principals), by role name. */
  readonly externalRolePolicies: ReadonlyMap<string, readonly NamedPolicy[]>;
  /** The HTTP API's id, as execute-api ARNs name it. */
  readonly apiId: string;
  readonly apiRoutes: readonly LocalApiRoute[];
  /** Roles that may be assumed by a principal outside the template (AccessRoles of other accounts' grants), by that principal. */
  readonly rolesAssumableBy: ReadonlyMap<string, LocalRole>;
}

export interface LocalNames {
  readonly pseudo: Pseudo;
  readonly tableName: string;
  readonly tableStreamArn: string;
  /** The local key ARN for the key that an alias of the template names (the key store makes it). */
  keyArn(aliasName: string): string;
  /** Base URL of the local SQS endpoint: a queue's URL is `<base>/<account>/<name>`. */
  readonly sqsEndpoint: string;
  readonly apiId: string;
}

export function loadWorld(assembly: Assembly, names: LocalNames): LocalWorld {
  const { template } = assembly;
  const { account, region, stackName } = names.pseudo;
  const resources = template.Resources;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  // A key is named by the alias that targets it (KMS aliases are how the local key store names keys).
  const keyArns = new Map<string, string>();
  for (const [, alias] of ofType('AWS::KMS::Alias')) {
    const target = alias.Properties?.['TargetKeyId'] as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
    const keyId = target?.Ref ?? target?.['Fn::GetAtt']?.[0];
    if (keyId) keyArns.set(keyId, names.keyArn(String(alias.Properties?.['AliasName'])));
  }

  const physicalNames = new Map<string, Physical>();
  const physical = (id: string): Physical | undefined => {
    const resource = resources[id];
    if (!resource) return undefined;
    let known = physicalNames.get(id);
    if (!known) {
      known = physicalOf(id, resource);
      physicalNames.set(id, known);
    }
    return known;
  };
  const fallbackName = (id: string) => `${stackName}-${id}`.slice(0, 64);
  const physicalOf = (id: string, resource: TemplateResource): Physical => {
    const given = (key: string) => {
      const value = resource.Properties?.[key];
      return typeof value === 'string' ? value : undefined;
    };
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table': {
        const arn = `arn:aws:dynamodb:${region}:${account}:table/${names.tableName}`;
        return { ref: names.tableName, attributes: { Arn: arn, StreamArn: names.tableStreamArn } };
      }
      case 'AWS::KMS::Key': {
        const arn = keyArns.get(id) ?? `unresolved:${id}.Arn`;
        return { ref: arn.split('/').pop()!, attributes: { Arn: arn, KeyId: arn.split('/').pop()! } };
      }
      case 'AWS::IAM::Role': {
        const name = given('RoleName') ?? fallbackName(id);
        return { ref: name, attributes: { Arn: `arn:aws:iam::${account}:role/${name}`, RoleId: `AROA${id.toUpperCase().slice(0, 17)}` } };
      }
      case 'AWS::Lambda::Function': {
        const name = given('FunctionName') ?? fallbackName(id);
        return { ref: name, attributes: { Arn: `arn:aws:lambda:${region}:${account}:function:${name}` } };
      }
      case 'AWS::SQS::Queue': {
        const name = given('QueueName') ?? fallbackName(id);
        const url = `${names.sqsEndpoint}/${account}/${name}`;
        return { ref: url, attributes: { Arn: `arn:aws:sqs:${region}:${account}:${name}`, QueueName: name, QueueUrl: url } };
      }
      case 'AWS::Events::EventBus': {
        const name = given('Name') ?? fallbackName(id);
        return { ref: name, attributes: { Arn: `arn:aws:events:${region}:${account}:event-bus/${name}`, Name: name } };
      }
      case 'AWS::Events::Rule': {
        const name = given('Name') ?? fallbackName(id);
        return { ref: name, attributes: { Arn: `arn:aws:events:${region}:${account}:rule/${name}` } };
      }
      case 'AWS::Logs::LogGroup': {
        const name = given('LogGroupName') ?? `/aws/lambda/${fallbackName(id)}`;
        return { ref: name, attributes: { Arn: `arn:aws:logs:${region}:${account}:log-group:${name}:*` } };
      }
      case 'AWS::ApiGatewayV2::Api':
        return { ref: names.apiId, attributes: { ApiId: names.apiId, ApiEndpoint: `https://${names.apiId}.execute-api.${region}.amazonaws.com` } };
      default:
        return { ref: fallbackName(id), attributes: {} };
    }
  };

  const cfn = new Intrinsics(template, names.pseudo, physical);
  const present = (type: string) => ofType(type).filter(([id]) => cfn.exists(id));

  const policiesByRole = new Map<string, NamedPolicy[]>();
  for (const [id, policy] of present('AWS::IAM::Policy')) {
    const props = cfn.resolve(policy.Properties);
    for (const roleName of (props['Roles'] ?? []) as string[]) {
      policiesByRole.set(roleName, [...(policiesByRole.get(roleName) ?? []), { name: id, document: props['PolicyDocument'] }]);
    }
  }
  const roles = new Map<string, LocalRole>();
  const roleNames = new Set<string>();
  for (const [id, role] of present('AWS::IAM::Role')) {
    const props = cfn.resolve(role.Properties ?? {});
    const { ref: name, attributes } = physical(id)!;
    roleNames.add(name);
    const inline = ((props['Policies'] ?? []) as { PolicyName: string; PolicyDocument: unknown }[]).map((p) => ({ name: `${id}/${p.PolicyName}`, document: p.PolicyDocument }));
    const managed = (props['ManagedPolicyArns'] ?? []) as string[];
    roles.set(attributes['Arn']!, {
      logicalId: id,
      name,
      arn: attributes['Arn']!,
      policies: [...inline, ...(policiesByRole.get(name) ?? [])],
      // A boundary is a managed policy, whose document is not in the template: fail closed (README).
      permissionBoundary: props['PermissionsBoundary'] ? { name: `${id}'s permissions boundary (not in the template: nothing allowed locally)`, document: { Version: '2012-10-17', Statement: [] } } : undefined,
      managedPolicyArns: managed,
    });
  }
  const externalRolePolicies = new Map([...policiesByRole].filter(([name]) => !roleNames.has(name)));

  const functions: LocalFunction[] = present('AWS::Lambda::Function').map(([id, fn]) => {
    const props = cfn.resolve(fn.Properties ?? {});
    const roleArn = String(props['Role']);
    const role = roles.get(roleArn);
    if (!role) throw new Error(`function ${id}: its role ${roleArn} is not in the template`);
    const [file = 'index', handlerExport = 'handler'] = String(props['Handler']).split(/\.(?=[^.]+$)/);
    const runtime = String(props['Runtime']);
    const assetDir = assembly.assetDir(id);
    const entryFile = runtime.startsWith('nodejs') ? ['.mjs', '.js', '.cjs'].map((ext) => join(assetDir, file + ext)).find((path) => existsSync(path)) : undefined;
    const { ref: name, attributes } = physical(id)!;
    const logGroup = props['LoggingConfig']?.['LogGroup'];
    return {
      logicalId: id,
      name,
      arn: attributes['Arn']!,
      entryFile,
      handlerExport,
      runtime,
      environment: (props['Environment']?.['Variables'] ?? {}) as Record<string, string>,
      timeoutSeconds: Number(props['Timeout'] ?? 3),
      memoryMb: Number(props['MemorySize'] ?? 128),
      role,
      logGroupName: typeof logGroup === 'string' ? logGroup : `/aws/lambda/${name}`,
    };
  });

  const keyPolicies = new Map<string, NamedPolicy>();
  for (const [id, key] of present('AWS::KMS::Key')) {
    keyPolicies.set(physical(id)!.attributes['Arn']!, { name: `key policy of ${id}`, document: cfn.resolve(key.Properties?.['KeyPolicy']) });
  }

  const queuePolicies = new Map<string, NamedPolicy>();
  for (const [id, policy] of present('AWS::SQS::QueuePolicy')) {
    const props = cfn.resolve(policy.Properties);
    for (const url of props['Queues'] as string[]) queuePolicies.set(url, { name: `queue policy ${id}`, document: props['PolicyDocument'] });
  }
  const queues: LocalQueue[] = present('AWS::SQS::Queue').map(([id, queue]) => {
    const { ref: url, attributes } = physical(id)!;
    const props = cfn.resolve(queue.Properties ?? {});
    const redrive = props['RedrivePolicy'] as { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
    return {
      logicalId: id,
      name: attributes['QueueName']!,
      arn: attributes['Arn']!,
      url,
      policy: queuePolicies.get(url),
      visibilityTimeoutSeconds: Number(props['VisibilityTimeout'] ?? 30),
      redrive: redrive && { deadLetterArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) },
    };
  });

  const integrations = new Map(
    present('AWS::ApiGatewayV2::Integration').map(([id, integration]) => [physical(id)!.ref, String(cfn.resolve(integration.Properties)['IntegrationUri'])]),
  );
  const functionByArn = new Map(functions.map((f) => [f.arn, f.name]));
  const apiRoutes: LocalApiRoute[] = present('AWS::ApiGatewayV2::Route').map(([id, route]) => {
    const props = cfn.resolve(route.Properties);
    const integration = String(props['Target'] ?? '').replace(/^integrations\//, '');
    const functionName = functionByArn.get(integrations.get(integration) ?? '');
    if (!functionName) throw new Error(`route ${id} (${props['RouteKey']}) integrates no function of the template`);
    return { routeKey: String(props['RouteKey']), functionName, authorizationType: String(props['AuthorizationType'] ?? 'NONE') };
  });

  const rolesAssumableBy = new Map<string, LocalRole>();
  for (const [id, role] of present('AWS::IAM::Role')) {
    const trust = cfn.resolve(role.Properties?.['AssumeRolePolicyDocument'] ?? {}) as { Statement?: { Principal?: { AWS?: string | string[] } }[] };
    for (const statement of trust.Statement ?? []) {
      for (const principal of [statement.Principal?.AWS ?? []].flat()) {
        const local = roles.get(physical(id)!.attributes['Arn']!);
        if (local) rolesAssumableBy.set(principal, local);
      }
    }
  }

  const rules: LocalRule[] = present('AWS::Events::Rule').map(([id, rule]) => {
    const props = cfn.resolve(rule.Properties);
    return {
      logicalId: id,
      arn: physical(id)!.attributes['Arn']!,
      busName: String(props['EventBusName'] ?? 'default'),
      pattern: props['EventPattern'],
      targets: ((props['Targets'] ?? []) as { Arn: string; InputTransformer?: LocalRule['targets'][number]['inputTransformer'] }[]).map((t) => ({
        arn: t.Arn,
        ...(t.InputTransformer && { inputTransformer: t.InputTransformer }),
      })),
    };
  });

  const eventSourceMappings: LocalEventSourceMapping[] = present('AWS::Lambda::EventSourceMapping').map(([, mapping]) => {
    const props = cfn.resolve(mapping.Properties);
    return {
      functionName: String(props['FunctionName']),
      sourceArn: String(props['EventSourceArn']),
      batchSize: Number(props['BatchSize'] ?? 10),
      reportBatchItemFailures: ((props['FunctionResponseTypes'] ?? []) as string[]).includes('ReportBatchItemFailures'),
    };
  });

  const schedules: LocalSchedule[] = present('AWS::Scheduler::Schedule').map(([id, schedule]) => {
    const target = cfn.resolve(schedule.Properties)['Target'];
    return { logicalId: id, targetArn: String(target['Arn']), roleArn: String(target['RoleArn']), input: target['Input'] };
  });

  return { account, region, roles, functions, keyPolicies, queues, rules, eventSourceMappings, schedules, externalRolePolicies, apiId: names.apiId, apiRoutes, rolesAssumableBy };
}
