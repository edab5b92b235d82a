// What AWS checks before a service acts on a call: who signed it (SigV4, per principal), and whether
// the principal's policies and the resource's policy allow each IAM action the call needs, with the
// request context AWS would set. Every local AWS endpoint (DynamoDB, KMS, SQS, EventBridge, Secrets
// Manager) asks this gate; a denial is logged with the role, action, resource and policy at fault.
import { evaluateIam, type IamDecision, type NamedPolicy } from './evaluator.ts';
import type { LocalPrincipal, PrincipalDirectory } from './principals.ts';
import { sigV4Verifier, type ReceivedRequest, type VerifySignature } from '../sigv4-verifier.ts';

/** One IAM action a request needs, on one resource, with its service-specific context keys. */
export interface NeededPermission {
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  /** The resource's own policy (a key policy, a queue policy), if it has one. */
  readonly resourcePolicy?: NamedPolicy | undefined;
}

export type GateVerdict =
  | { readonly ok: true; readonly principal: LocalPrincipal }
  | { readonly ok: false; readonly status: number; readonly errorType: string; readonly message: string };

export interface Gate {
  /** Verifies the signature for `service` and returns the caller. */
  authenticate(service: string, request: ReceivedRequest): Promise<GateVerdict>;
  /** Evaluates every permission; the first denied one is the answer. */
  authorize(principal: LocalPrincipal, needed: readonly NeededPermission[]): Promise<GateVerdict>;
}

export interface GateOptions {
  readonly region: string;
  readonly account: string;
  readonly principals: PrincipalDirectory;
  /** Where denials are reported (the local stack's log). */
  readonly log: (line: string) => void;
}

// A policy that reads the clock makes every call's decision its own; any other decision depends only
// on the call, since the template's policies do not change while the stack runs.
const clockKeys = /aws:(CurrentTime|EpochTime)/i;
const readsClockCache = new WeakMap<object, boolean>();
function readsClock(policy: NamedPolicy | undefined): boolean {
  if (!policy) return false;
  let reads = readsClockCache.get(policy);
  if (reads === undefined) {
    reads = clockKeys.test(JSON.stringify(policy.document));
    readsClockCache.set(policy, reads);
  }
  return reads;
}
const memoLimit = 10_000;

export function createGate(options: GateOptions): Gate {
  const { region, account, principals, log } = options;
  const decisions = new WeakMap<LocalPrincipal, Map<string, IamDecision>>();
  const resourcePolicyIds = new WeakMap<object, number>();
  let policyCount = 0;
  const memoKey = (principal: Extract<LocalPrincipal, { kind: 'role' }>, permission: NeededPermission): string | undefined => {
    const policy = permission.resourcePolicy;
    if (readsClock(policy) || readsClock(principal.permissionBoundary) || principal.policies.some(readsClock)) return undefined;
    let policyId = policy ? resourcePolicyIds.get(policy) : 0;
    if (policyId === undefined) resourcePolicyIds.set(policy!, (policyId = ++policyCount));
    return JSON.stringify([permission.action, permission.resource, permission.context ?? null, policyId]);
  };
  /** The request context AWS would set, built only when a decision is not remembered. */
  const requestContext = (principal: Extract<LocalPrincipal, { kind: 'role' }>, permission: NeededPermission): Record<string, string | string[]> => {
    const now = new Date();
    return {
      'aws:PrincipalArn': principal.roleArn,
      'aws:PrincipalAccount': principal.account,
      'aws:PrincipalType': 'AssumedRole',
      'aws:userid': principal.caller.userId,
      'aws:RequestedRegion': region,
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
      // Locally the SDK speaks plain HTTP to loopback; in AWS the same call is always TLS.
      'aws:SecureTransport': 'true',
      'aws:ViaAWSService': 'false',
      'aws:ResourceAccount': account,
      ...permission.context,
    };
  };
  const verifiers = new Map<string, VerifySignature>();
  const verifierFor = (service: string) => {
    let verifier = verifiers.get(service);
    if (!verifier) {
      verifier = sigV4Verifier({ region, service, identities: principals.identities, allowUnsigned: false });
      verifiers.set(service, verifier);
    }
    return verifier;
  };

  return {
    async authenticate(service, request) {
      const verdict = await verifierFor(service)(request);
      if (!verdict.ok) return { ok: false, status: verdict.errorType === 'MissingAuthenticationTokenException' ? 400 : 400, errorType: verdict.errorType, message: verdict.message };
      const principal = verdict.caller && principals.principal(verdict.caller.accessKey);
      if (!principal) return { ok: false, status: 400, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
      return { ok: true, principal };
    },

    async authorize(principal, needed) {
      if (principal.kind === 'administrator') return { ok: true, principal };
      // A call mapped to no permission is a mapping gap, never a free pass.
      if (needed.length === 0) return { ok: false, status: 400, errorType: 'AccessDeniedException', message: 'The local IAM gate could not tell which permissions this request needs' };
      for (const permission of needed) {
        const key = memoKey(principal, permission);
        let memo = decisions.get(principal);
        let decision = key === undefined ? undefined : memo?.get(key);
        if (!decision) {
          decision = await evaluateIam(
            { principal: principal.sessionArn, action: permission.action, resource: permission.resource, resourceAccount: account, context: requestContext(principal, permission) },
            { identity: principal.policies, resource: permission.resourcePolicy, permissionBoundary: principal.permissionBoundary },
          );
          if (key !== undefined) {
            if (!memo || memo.size >= memoLimit) decisions.set(principal, (memo = new Map()));
            memo.set(key, decision);
          }
        }
        if (decision.allowed) continue;
        log(`regcred local IAM: AccessDenied: ${principal.roleArn} may not ${permission.action} on ${permission.resource}: ${decision.why}`);
        const because =
          decision.result === 'ExplicitlyDenied'
            ? `with an explicit deny in ${permission.resourcePolicy && /resource policy/.test(decision.why) ? 'a resource-based policy' : 'an identity-based policy'}`
            : decision.result === 'Unknown'
              ? 'because the local IAM evaluator has no data for this action'
              : /resource policy \(/.test(decision.why) && /^no statement of/.test(decision.why)
                ? `because no resource-based policy allows the ${permission.action} action`
                : `because no identity-based policy allows the ${permission.action} action`;
        return {
          ok: false,
          status: 400,
          errorType: 'AccessDeniedException',
          message: `User: ${principal.sessionArn} is not authorized to perform: ${permission.action} on resource: ${permission.resource} ${because}`,
        };
      }
      return { ok: true, principal };
    },
  };
}
