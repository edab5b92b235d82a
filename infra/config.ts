// Deployment settings from CDK context (cdk.json, cdk.context.json or `cdk -c`), validated with zod so
// a typo fails the synth with the field named instead of deploying something else.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod';
import { stackGrant } from '../functions/contract/credential-resource.ts';
import { projectName } from '../functions/contract/fields.ts';
import { routeList, type Capability } from '../functions/contract/routes.ts';

export const contextKeys = {
  /** A JSON file `{ "grants": [...] }`, relative to the repository root. A missing file means no grants. */
  grantsFile: 'regcred:grantsFile',
  /** Throttling of the API stage, as `throttling` below. */
  throttling: 'regcred:throttling',
  /** Days the audited functions' log groups keep their lines (resolve, dockerconfigjson, the provider): at least 365. */
  auditLogRetentionDays: 'regcred:auditLogRetentionDays',
  /** Who the dead-letter alarms notify: `[{ "protocol": "email", "endpoint": "ops@example.com" }]` (email, https or sms). */
  alarmSubscriptions: 'regcred:alarmSubscriptions',
} as const;

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const capabilityNames = { read: true, write: true, resolve: true } satisfies Record<Capability, true>;
const capability = z.enum(Object.keys(capabilityNames) as [Capability, ...Capability[]]);

export const grant = z.strictObject({
  project: projectName,
  capabilities: z.array(capability).min(1),
  /** The caller: an IAM role of this account or of another one. */
  principal: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')
    .refine((arn) => !arn.includes(':role/aws-service-role/'), 'is a service-linked role: it takes no policy and only its AWS service may assume it; grant a role your team or node uses'),
});
export type ProjectGrant = z.infer<typeof grant>;

/** What every console user (the identity pool's authenticated role) may do: same capabilities, no principal. */
export const consoleGrant = grant.omit({ principal: true });
export type ConsoleGrant = z.infer<typeof consoleGrant>;

/** Stacks that may declare RegistryCredential resources in a project (the provider refuses any other). */
export type StackGrant = z.infer<typeof stackGrant>;

export const grantsFile = z.strictObject({ grants: z.array(grant), console: z.array(consoleGrant).default([]), stacks: z.array(stackGrant).default([]) }).check((ctx) => {
  const seen = new Set<string>();
  ctx.value.grants.forEach(({ project, principal }, index) => {
    const key = `${project} ${principal}`;
    if (seen.has(key)) ctx.issues.push({ code: 'custom', input: principal, path: ['grants', index], message: `repeats the grant of ${project} to ${principal}; list all its capabilities in one entry` });
    seen.add(key);
  });
});

const throttle = z.strictObject({ rateLimit: z.number().positive(), burstLimit: z.int().min(0) });
export type Throttle = z.infer<typeof throttle>;

/**
 * Requests per second (and burst) per route, most specific first: `routes` by name, then
 * `capabilities`, then `default`. Resolve routes decrypt with KMS, so they get less by default.
 */
export const throttling = z.strictObject({
  default: throttle.default({ rateLimit: 20, burstLimit: 40 }),
  capabilities: z.partialRecord(capability, throttle).default({ resolve: { rateLimit: 10, burstLimit: 20 } }),
  routes: z
    .record(z.string(), throttle)
    .check((ctx) => {
      for (const name of Object.keys(ctx.value).filter((n) => !routeList.some((r) => r.name === n))) {
        ctx.issues.push({ code: 'custom', input: name, path: [name], message: `must be a route name: ${routeList.map((r) => r.name).join(', ')}` });
      }
    })
    .default({}),
});
export type Throttling = z.infer<typeof throttling>;

/** CloudWatch Logs' retention periods of a year or more (RetentionDays; 9999 never expires). */
const auditRetentionChoices = Object.values(RetentionDays).filter((d): d is number => typeof d === 'number' && d >= RetentionDays.ONE_YEAR);
export const auditLogRetentionDays = z
  .int()
  .refine((d) => auditRetentionChoices.includes(d), `must be a CloudWatch Logs retention period of at least a year: ${auditRetentionChoices.join(', ')} (9999: never expire)`)
  .default(RetentionDays.ONE_YEAR);

export const alarmSubscription = z.discriminatedUnion('protocol', [
  z.strictObject({ protocol: z.literal('email'), endpoint: z.email() }),
  z.strictObject({ protocol: z.literal('https'), endpoint: z.url({ protocol: /^https$/ }) }),
  z.strictObject({ protocol: z.literal('sms'), endpoint: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be a phone number in E.164 form (+<country><number>)') }),
]);
export type AlarmSubscription = z.infer<typeof alarmSubscription>;

export interface DeployConfig {
  readonly grants: readonly ProjectGrant[];
  readonly consoleGrants: readonly ConsoleGrant[];
  readonly stackGrants: readonly StackGrant[];
  readonly throttling: Throttling;
  /** Retention of the audited functions' log groups (kept when the stack is deleted). */
  readonly auditLogRetention: RetentionDays;
  /** Who the alarms' topic notifies. */
  readonly alarmSubscriptions: readonly AlarmSubscription[];
}

export function deployConfig(node: Node): DeployConfig {
  const file = node.tryGetContext(contextKeys.grantsFile) as string | undefined;
  const path = file === undefined ? undefined : isAbsolute(file) ? file : join(repoRoot, file);
  const configured = path && existsSync(path) ? parse(grantsFile, readJson(path), path) : { grants: [], console: [], stacks: [] };
  return { grants: configured.grants, consoleGrants: configured.console, stackGrants: configured.stacks,
    throttling: parse(throttling, structuredContext(node, contextKeys.throttling) ?? {}, `context ${contextKeys.throttling}`),
    auditLogRetention: parse(auditLogRetentionDays, node.tryGetContext(contextKeys.auditLogRetentionDays), `context ${contextKeys.auditLogRetentionDays}`) as RetentionDays,
    alarmSubscriptions: parse(z.array(alarmSubscription), structuredContext(node, contextKeys.alarmSubscriptions) ?? [], `context ${contextKeys.alarmSubscriptions}`),
  };
}

/** A context value; `cdk -c key=<json>` hands the app a string, which is parsed here. */
function structuredContext(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`context ${key}: ${(error as Error).message}`);
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`invalid ${where}:\n${z.prettifyError(result.error)}`);
  return result.data;
}
