// What IAM must allow for each recorded SDK request (test/support/sdk-recorder.ts), and a small
// evaluator of synthesised policy statements: Allow/Deny, actions with wildcards, resources as
// template values, and the condition operators the stack uses. An operation or operator it does not
// know throws, so nothing passes by being unrecognised.
import { isDeepStrictEqual } from 'node:util';
import type { SdkCall } from './sdk-recorder.ts';

export type RequestContext = Record<string, unknown>;

export interface Needed {
  readonly action: string;
  /** The resource as the template names it, e.g. `{ 'Fn::GetAtt': [tableId, 'Arn'] }`. */
  readonly resource: unknown;
  readonly context: RequestContext;
}

export interface StackResources {
  table(name: string): unknown;
  key(keyId: string | undefined): unknown;
}

const transactWriteActions: Record<string, string> = { Put: 'PutItem', Delete: 'DeleteItem', Update: 'UpdateItem', ConditionCheck: 'ConditionCheckItem' };
const singleTableOperations = ['GetItem', 'PutItem', 'DeleteItem', 'UpdateItem', 'Query', 'Scan'];
const kmsOperations = ['Encrypt', 'Decrypt', 'GenerateDataKey'];

/** The IAM actions and resources one SDK request needs (TransactWriteItems: one per item). */
export function permissionsFor(call: SdkCall, stack: StackResources): Needed[] {
  const { service, operation, input } = call;
  if (service === 'dynamodb') {
    const onTable = (action: string, body: Record<string, any>): Needed => {
      if (body['IndexName']) throw new Error(`${operation} on index ${body['IndexName']}: map index resources first`);
      return { action: `dynamodb:${action}`, resource: stack.table(body['TableName']), context: {} };
    };
    if (singleTableOperations.includes(operation)) return [onTable(operation, input)];
    if (operation === 'TransactWriteItems') {
      return (input['TransactItems'] as Record<string, any>[]).map((item) => {
        const [kind, body] = Object.entries(item)[0]!;
        const action = transactWriteActions[kind];
        if (!action) throw new Error(`TransactWriteItems item ${kind}: no IAM mapping`);
        return onTable(action, body);
      });
    }
    if (operation === 'BatchGetItem') return Object.keys(input['RequestItems'] as Record<string, unknown>).map((TableName) => onTable('BatchGetItem', { TableName }));
    if (operation === 'TransactGetItems') return (input['TransactItems'] as { Get: Record<string, any> }[]).map((item) => onTable('GetItem', item.Get));
  }
  if (service === 'kms' && kmsOperations.includes(operation)) {
    const encryptionContext = (input['EncryptionContext'] ?? {}) as Record<string, string>;
    const context: RequestContext = { 'kms:EncryptionContextKeys': Object.keys(encryptionContext) };
    for (const [key, value] of Object.entries(encryptionContext)) context[`kms:EncryptionContext:${key}`] = value;
    return [{ action: `kms:${operation}`, resource: stack.key(input['KeyId']), context }];
  }
  throw new Error(`no IAM mapping for ${service} ${operation}: add it to test/support/iam-policy.ts`);
}

export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Whether the statements allow the request (an explicit Deny wins). */
export function allows(statements: readonly Statement[], needed: Needed, extraContext: RequestContext = {}): boolean {
  const context = { ...needed.context, ...extraContext };
  const applies = (s: Statement) => actionMatches(s.Action, needed.action) && resourceMatches(s.Resource, needed.resource) && conditionsHold(s.Condition, context);
  return statements.some((s) => s.Effect === 'Allow' && applies(s)) && !statements.some((s) => s.Effect === 'Deny' && applies(s));
}

function actionMatches(actions: string | string[], action: string): boolean {
  return [actions].flat().some((pattern) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.?+^$()|[\]\\{}]/g, '\\$&')).join('.*')}$`, 'i').test(action));
}

function resourceMatches(resources: unknown, resource: unknown): boolean {
  return [resources].flat().some((r) => r === '*' || isDeepStrictEqual(r, resource));
}

function conditionsHold(conditions: Statement['Condition'], context: RequestContext): boolean {
  return Object.entries(conditions ?? {}).every(([operator, entries]) =>
    Object.entries(entries).every(([key, expected]) => conditionHolds(operator, context[key], [expected].flat())),
  );
}

function conditionHolds(operator: string, value: unknown, expected: unknown[]): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'ArnEquals':
      return value !== undefined && expected.some((e) => isDeepStrictEqual(e, value));
    case 'ForAllValues:StringEquals':
      return (value as unknown[] | undefined ?? []).every((v) => expected.includes(v));
    case 'Null':
      return expected.every((e) => (e === 'true') === (value === undefined));
    default:
      throw new Error(`the evaluator does not know the condition operator ${operator}`);
  }
}
