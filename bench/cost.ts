// Measurement 7: dollars per million requests per route from AWS list prices and measured figures,
// beside the same workload kept as one AWS Secrets Manager secret per credential.
import type { Op } from './bundles.ts';

/**
 * us-east-1 public list prices, on-demand, no free tier, from the AWS pricing pages as known to the
 * author in 2025 (the DynamoDB on-demand prices include the November 2024 reduction). The bench has
 * no internet access, so these were not fetched at run time: check them before relying on them.
 */
export const prices = {
  region: 'us-east-1',
  asOf: '2025 (AWS pricing pages as known to the author; not fetched at run time)',
  httpApiPerMillion: 1.0,
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  dynamoWruPerMillion: 0.625,
  dynamoRruPerMillion: 0.125,
  dynamoStorageGbMonth: 0.25,
  kmsPer10k: 0.03,
  kmsKeyMonth: 1.0,
  logsIngestGb: 0.5,
  xrayTracePerMillion: 5.0,
  secretMonth: 0.4,
  secretsApiPer10k: 0.05,
} as const;

/** Request units per call, from the item sizes the adapter writes (each item well under 1 KB). */
export const capacityUnits = {
  // TransactWriteItems of 2 puts: 2 WRU per item in a transaction.
  add: { wru: 4, rru: 0, kms: 1, secretsManagerCalls: 1 /* CreateSecret */ },
  // One Query reading 51 items of ~0.45 KB (~23 KB), eventually consistent: 6 x 4 KB x 0.5.
  list: { wru: 0, rru: 3, kms: 0, secretsManagerCalls: 1 /* ListSecrets, up to 100 per page */ },
  // A strongly consistent GetItem (1 RRU) + TransactWriteItems of 2 deletes (2 x 2 WRU).
  delete: { wru: 4, rru: 1, kms: 0, secretsManagerCalls: 1 /* DeleteSecret */ },
} as const;

/** Lambda's START/END/REPORT platform lines per invocation (with X-Ray, REPORT is longer). */
export const platformLogBytes = 400;
/** CloudWatch Logs bills 26 bytes of metadata per event on top of the message. */
const eventOverhead = 26;
/** Active tracing with the default sampling rule records ~5% of requests at volume. */
export const xraySampled = 0.05;
/** Bytes stored per credential: the credential item, its registry guard and DynamoDB's 100 B per item. */
const storedBytesPerCredential = 450 + 120 + 200;

export interface RouteCost {
  readonly durationMs: number;
  readonly billedMs: number;
  readonly lines: Record<string, number>;
  readonly total: number;
  readonly secretsManager: number;
}

export function routeCosts(durationMs: Record<Op, number>, logBytesPerRequest: Record<Op, number>, memoryMb: number) {
  const out = {} as Record<Op, RouteCost>;
  for (const op of ['add', 'list', 'delete'] as const) {
    const billedMs = Math.max(1, Math.ceil(durationMs[op]));
    const units = capacityUnits[op];
    const logBytes = logBytesPerRequest[op] + platformLogBytes + 4 * eventOverhead;
    const lines = {
      'API Gateway HTTP API': prices.httpApiPerMillion,
      'Lambda requests': prices.lambdaRequestPerMillion,
      'Lambda duration (arm64)': 1e6 * (billedMs / 1000) * (memoryMb / 1024) * prices.lambdaArmGbSecond,
      'DynamoDB on-demand': units.wru * prices.dynamoWruPerMillion + units.rru * prices.dynamoRruPerMillion,
      'KMS requests': units.kms * prices.kmsPer10k * 100,
      'CloudWatch Logs ingestion': (1e6 * logBytes * prices.logsIngestGb) / 1024 ** 3,
      'X-Ray traces (5% sampled)': xraySampled * prices.xrayTracePerMillion,
    };
    out[op] = {
      durationMs: durationMs[op],
      billedMs,
      lines,
      total: Object.values(lines).reduce((a, b) => a + b, 0),
      secretsManager: units.secretsManagerCalls * prices.secretsApiPer10k * 100,
    };
  }
  return out;
}

/** Monthly cost of N stored credentials plus a month of 1M requests (90% list, 5% add, 5% delete). */
export function monthlyComparison(perRoute: Record<Op, RouteCost>, stored: readonly number[] = [100, 10_000, 1_000_000]) {
  const mix = { list: 0.9, add: 0.05, delete: 0.05 } as const;
  const requests = (f: (op: Op) => number) => (['add', 'list', 'delete'] as const).reduce((sum, op) => sum + mix[op] * f(op), 0);
  const regcredRequests = requests((op) => perRoute[op].total);
  const secretsRequests = requests((op) => perRoute[op].secretsManager);
  return stored.map((n) => {
    const regcredStorage = prices.kmsKeyMonth + (n * storedBytesPerCredential * prices.dynamoStorageGbMonth) / 1024 ** 3;
    const secretsStorage = n * prices.secretMonth;
    return {
      stored: n,
      regcred: { storage: regcredStorage, requests: regcredRequests, total: regcredStorage + regcredRequests },
      secretsManager: { storage: secretsStorage, requests: secretsRequests, total: secretsStorage + secretsRequests },
    };
  });
}
