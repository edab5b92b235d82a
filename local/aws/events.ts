// The template's event bus, locally: PutEvents (authorised per entry on the bus, with events:source
// and events:detail-type) appends each event to REGCRED_HOME/events.ndjson as a rule's target would
// receive it, then delivers it to every rule of the template whose pattern matches, through the
// target's input transformer. An SQS target is delivered only if the queue's policy lets
// events.amazonaws.com send for that rule (aws:SourceArn), as AWS checks it.
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { evaluateIam } from '../iam/evaluator.ts';
import type { NeededPermission } from '../iam/gate.ts';
import type { LocalRule } from '../template/world.ts';
import { ServiceError, type Input, type LocalService } from './server.ts';
import type { LocalQueues } from './sqs.ts';

export interface EventBusOptions {
  readonly region: string;
  readonly account: string;
  readonly file: string;
  readonly rules: readonly LocalRule[];
  readonly queues: LocalQueues;
  readonly log: (line: string) => void;
  /** Whether matched events reach the rules' targets (the shared test stack pauses them: README). */
  readonly deliverToTargets: boolean;
}

export class LocalEventBus implements LocalService {
  readonly targetPrefix = 'AWSEvents';
  readonly signingName = 'events';
  readonly contentType = 'application/x-amz-json-1.1';
  readonly maxRequestBytes = 1024 * 1024;
  private readonly options: EventBusOptions;
  private pending: Promise<void> = Promise.resolve();

  constructor(options: EventBusOptions) {
    this.options = options;
  }

  has = (operation: string) => operation === 'PutEvents';

  busArn(name: unknown): string {
    const bus = String(name ?? 'default');
    return bus.startsWith('arn:') ? bus : `arn:aws:events:${this.options.region}:${this.options.account}:event-bus/${bus}`;
  }

  permissions(_operation: string, input: Input): NeededPermission[] {
    const entries = (input['Entries'] ?? []) as Input[];
    if (entries.length < 1 || entries.length > 10) throw new ServiceError('ValidationException', 'Entries must hold 1 to 10 events.');
    return entries.map((entry) => ({
      action: 'events:PutEvents',
      resource: this.busArn(entry['EventBusName']),
      context: { 'events:source': String(entry['Source'] ?? ''), 'events:detail-type': String(entry['DetailType'] ?? '') },
    }));
  }

  async run(_operation: string, input: Input): Promise<Input> {
    const results: Input[] = [];
    const delivered: Input[] = [];
    for (const entry of (input['Entries'] ?? []) as Input[]) {
      let detail: unknown;
      try {
        detail = JSON.parse(String(entry['Detail'] ?? '{}'));
      } catch {
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
        continue;
      }
      const event = {
        version: '0',
        id: randomUUID(),
        'detail-type': String(entry['DetailType']),
        source: String(entry['Source']),
        account: this.options.account,
        time: entry['Time'] ? new Date(Number(entry['Time']) * 1000 || String(entry['Time'])).toISOString().replace(/\.\d{3}Z$/, 'Z') : new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.options.region,
        resources: (entry['Resources'] ?? []) as string[],
        detail,
      };
      results.push({ EventId: event.id });
      delivered.push({ bus: this.busArn(entry['EventBusName']), event });
    }
    // One writer at a time keeps the lines whole and in order.
    const written = this.pending.then(() => appendFile(this.options.file, delivered.map((d) => `${JSON.stringify(d['event'])}\n`).join(''), { mode: 0o600 }));
    // A failed write fails this call only, not every later one.
    this.pending = written.catch(() => undefined);
    await written;
    if (this.options.deliverToTargets) for (const { bus, event } of delivered) await this.route(bus, event);
    return { FailedEntryCount: results.filter((r) => r['ErrorCode']).length, Entries: results };
  }

  private async route(bus: string, event: Input): Promise<void> {
    for (const rule of this.options.rules) {
      if (this.busArn(rule.busName) !== bus || !matches(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const queue = this.options.queues.byArn(target.arn);
        if (!queue) {
          this.options.log(`regcred local events: rule ${rule.logicalId} targets ${target.arn}, which the local stack does not deliver to`);
          continue;
        }
        const decision = await evaluateIam(
          {
            principal: 'events.amazonaws.com',
            action: 'sqs:SendMessage',
            resource: queue.arn,
            resourceAccount: this.options.account,
            context: { 'aws:SourceArn': rule.arn, 'aws:SourceAccount': this.options.account, 'aws:SecureTransport': 'true', 'aws:PrincipalServiceName': 'events.amazonaws.com' },
          },
          { identity: [], resource: queue.policy },
        );
        if (!decision.allowed) {
          this.options.log(`regcred local IAM: AccessDenied: events.amazonaws.com may not sqs:SendMessage on ${queue.arn} for rule ${rule.arn}: ${decision.why}`);
          continue;
        }
        this.options.queues.send(queue.url, transform(target.inputTransformer, event));
      }
    }
  }
}

/** EventBridge's pattern matching for what templates here use: values, exists, prefix, anything-but, nesting. */
export function matches(pattern: unknown, event: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  return Object.entries(pattern as Record<string, unknown>).every(([key, expected]) => {
    const value = event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) return expected.some((rule) => matchesOne(rule, value));
    return matches(expected, value);
  });
}

function matchesOne(rule: unknown, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  if (rule !== null && typeof rule === 'object') {
    const [operator, argument] = Object.entries(rule as Record<string, unknown>)[0] ?? [];
    switch (operator) {
      case 'exists':
        return argument === (value !== undefined);
      case 'prefix':
        return values.some((v) => typeof v === 'string' && v.startsWith(String(argument)));
      case 'anything-but':
        return value !== undefined && values.every((v) => ![argument].flat().includes(v));
      default:
        throw new Error(`the local event bus does not support the pattern operator ${operator}`);
    }
  }
  return values.some((v) => v === rule);
}

/** An input transformer: `<name>` in the template becomes the JSON of the path's value. */
function transform(transformer: LocalRule['targets'][number]['inputTransformer'], event: Input): string {
  if (!transformer) return JSON.stringify(event);
  const values: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) {
    values[name] = path
      .replace(/^\$\.?/, '')
      .split('.')
      .filter(Boolean)
      .reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), event);
  }
  return transformer.InputTemplate.replace(/<([\w-]+)>/g, (whole, name: string) => (name in values ? JSON.stringify(values[name] ?? null) : whole));
}
