// The pieces of `npm start` that run the synthesised template: its functions in workers, its routes
// bound to them, its schedules on demand, the stream batches handed to the publisher, and the API's
// own AWS_IAM authorisation for the grant principals of regcred.grants.json.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { routeList } from '../functions/contract/routes.ts';
import { contextKeys, grantsFile } from '../infra/config.ts';
import type { StreamRecordLike } from '../functions/adapters/stream-records.ts';
import type { Gate } from './iam/gate.ts';
import { roleArnParts, type PrincipalDirectory } from './iam/principals.ts';
import type { BoundRoute } from './http-server.ts';
import { startFunction, type LocalFunctionRuntime } from './lambda/runtime.ts';
import { localCaller, type IamCaller } from './lambda-event.ts';
import { repoRoot } from './paths.ts';
import { localCredentials, sigV4Verifier, type SigningIdentity, type VerifySignature } from './sigv4-verifier.ts';
import type { LocalWorld } from './template/world.ts';

/** The local HTTP API's id: execute-api ARNs name it. */
export const localApiId = 'local';

export function startFunctions(world: LocalWorld, principals: PrincipalDirectory, base: Record<string, string>): Map<string, LocalFunctionRuntime> {
  const runtimes = new Map<string, LocalFunctionRuntime>();
  for (const fn of world.functions) {
    if (!fn.entryFile) continue; // e.g. the console's Python BucketDeployment handler (README)
    runtimes.set(fn.name, startFunction(fn, { base: { ...base, LAMBDA_TASK_ROOT: join(fn.entryFile, '..') }, credentials: principals.keysOf(fn.role.arn)! }));
  }
  return runtimes;
}

/** Each route of the route table served by the function the template's API route integrates. */
export function bindRoutes(world: LocalWorld, functions: ReadonlyMap<string, LocalFunctionRuntime>, log: (line: string) => void): BoundRoute[] {
  return routeList.map((route) => {
    const templateRoute = world.apiRoutes.find((r) => r.routeKey === `${route.method} ${route.path}`);
    if (!templateRoute) throw new Error(`the template has no API route ${route.method} ${route.path}`);
    const fn = functions.get(templateRoute.functionName);
    if (!fn) throw new Error(`${route.method} ${route.path}: its function ${templateRoute.functionName} does not run locally`);
    return {
      route,
      handler: async (event) => {
        try {
          return (await fn.invoke(event, event.requestContext.requestId)) as APIGatewayProxyStructuredResultV2;
        } catch (error) {
          // A function error or timeout: API Gateway answers 500 and the caller sees nothing of it.
          log(`regcred local: ${fn.fn.name} failed (${(error as Error).name}): ${(error as Error).message}`);
          return { statusCode: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal Server Error' }) };
        }
      },
    };
  });
}

/** One batch of stream records to the publisher function, as Lambda's DynamoDB event; answers where to resume. */
export async function deliverStreamBatch(fn: LocalFunctionRuntime, streamArn: string, records: StreamRecordLike[], log: (line: string) => void): Promise<string | null> {
  const event = {
    Records: records.map((record) => {
      const r = record as StreamRecordLike & { dynamodb?: Record<string, unknown> };
      const created = r.dynamodb?.['ApproximateCreationDateTime'];
      return {
        ...r,
        eventSourceARN: streamArn,
        dynamodb: { ...r.dynamodb, ...(created instanceof Date && { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }) },
      };
    }),
  };
  try {
    const answer = (await fn.invoke(event)) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
    return answer?.batchItemFailures?.[0]?.itemIdentifier ?? null;
  } catch (error) {
    log(`regcred local: ${fn.fn.name} failed on ${records.length} stream records: ${(error as Error).message}`);
    return records[0]?.dynamodb?.SequenceNumber ?? null;
  }
}

export interface ScheduleRun {
  readonly schedule: string;
  readonly function: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** EventBridge Scheduler on demand: each schedule's role must be allowed to invoke its target. */
export async function runAllSchedules(world: LocalWorld, functions: ReadonlyMap<string, LocalFunctionRuntime>, gate: Gate, principals: PrincipalDirectory): Promise<ScheduleRun[]> {
  const runs: ScheduleRun[] = [];
  for (const schedule of world.schedules) {
    const fn = [...functions.values()].find((f) => f.fn.arn === schedule.targetArn);
    const name = fn?.fn.name ?? schedule.targetArn;
    const keys = principals.keysOf(schedule.roleArn);
    const principal = keys && principals.principal(keys.accessKeyId);
    if (!fn || !principal) {
      runs.push({ schedule: schedule.logicalId, function: name, ok: false, error: 'target or role not in the local stack' });
      continue;
    }
    const allowed = await gate.authorize(principal, [{ action: 'lambda:InvokeFunction', resource: fn.fn.arn }]);
    if (!allowed.ok) {
      runs.push({ schedule: schedule.logicalId, function: name, ok: false, error: allowed.message });
      continue;
    }
    try {
      await fn.invoke(schedule.input === undefined ? {} : JSON.parse(schedule.input));
      runs.push({ schedule: schedule.logicalId, function: name, ok: true });
    } catch (error) {
      runs.push({ schedule: schedule.logicalId, function: name, ok: false, error: (error as Error).message });
    }
  }
  return runs;
}

export interface GrantPrincipal {
  /** The principal named in the grants file. */
  readonly principal: string;
  /** The profile of the credentials file that signs as it. */
  readonly profile: string;
  readonly accessKeyId: string;
}

/**
 * Local keys for each grant principal of the grants file the template was made from, written as an
 * AWS shared credentials file (0600) beside the data: `AWS_SHARED_CREDENTIALS_FILE=<file>
 * AWS_PROFILE=<profile>`. A principal of another account signs as the access role the template
 * gives it: locally, the sts:AssumeRole step is taken for it.
 */
export function writeCredentialsFile(home: string, world: LocalWorld, principals: PrincipalDirectory, context: Record<string, string>): { path: string; principals: GrantPrincipal[] } {
  const grants = grantPrincipals(context);
  const out: GrantPrincipal[] = [];
  const lines = ['# regcred local credentials (npm start): one profile per grant principal of the grants file.', '[regcred-local-admin]', `aws_access_key_id = ${localCredentials.accessKeyId}`, `aws_secret_access_key = ${localCredentials.secretAccessKey}`, ''];
  for (const principal of grants) {
    const { account, roleName } = roleArnParts(principal);
    const accessRole = world.rolesAssumableBy.get(principal);
    const policies = account === world.account ? world.externalRolePolicies.get(roleName) ?? [] : accessRole?.policies ?? [];
    const roleArn = account === world.account || !accessRole ? principal : accessRole.arn;
    const keys = principals.addRole({ roleArn, sessionName: `regcred-local-${randomUUID().slice(0, 8)}`, policies });
    const profile = roleName.replace(/[^\w-]/g, '-');
    out.push({ principal, profile, accessKeyId: keys.accessKeyId });
    lines.push(`[${profile}]`, `aws_access_key_id = ${keys.accessKeyId}`, `aws_secret_access_key = ${keys.secretAccessKey}`, '');
  }
  const path = join(home, 'credentials');
  writeFileSync(path, lines.join('\n'), { mode: 0o600 });
  chmodSync(path, 0o600);
  return { path, principals: out };
}

/** The grant principals of the grants file the template was made from, read with the stack's own schema. */
function grantPrincipals(context: Record<string, string>): string[] {
  const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, string> };
  const file = context[contextKeys.grantsFile] ?? cdkJson.context?.[contextKeys.grantsFile];
  const path = file && join(repoRoot, file);
  if (!path || !existsSync(path)) return [];
  return [...new Set(grantsFile.parse(JSON.parse(readFileSync(path, 'utf8'))).grants.map((g) => g.principal))];
}

/**
 * API Gateway's AWS_IAM authorisation, locally: a signed request is verified (the administrator's or
 * a grant principal's keys) and a grant principal's call is evaluated as execute-api:Invoke on the
 * route's ARN against its policies from the template. Unsigned requests pass as the documented local
 * principal with full access.
 */
export function apiAuthoriser(world: LocalWorld, principals: PrincipalDirectory, gate: Gate, grants: readonly GrantPrincipal[]): VerifySignature {
  const known = new Set(grants.map((g) => g.accessKeyId));
  const identities = (accessKeyId: string): SigningIdentity | undefined => (accessKeyId === localCaller.accessKey || known.has(accessKeyId) ? principals.identities(accessKeyId) : undefined);
  const signature = sigV4Verifier({ region: world.region, identities });
  return async (request) => {
    const verdict = await signature(request);
    if (!verdict.ok || !verdict.caller) return verdict;
    const principal = principals.principal(verdict.caller.accessKey);
    if (!principal || principal.kind === 'administrator') return verdict;
    const path = request.target.split('?')[0] ?? '/';
    const arn = `arn:aws:execute-api:${world.region}:${world.account}:${world.apiId}/$default/${request.method}${path}`;
    const allowed = await gate.authorize(principal, [{ action: 'execute-api:Invoke', resource: arn }]);
    if (!allowed.ok) return { ok: false, errorType: 'AccessDeniedException', message: `User: ${principal.sessionArn} is not authorized to perform: execute-api:Invoke on resource: ${arn}` };
    return { ok: true, caller: verdict.caller as IamCaller };
  };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}
