// Warm overhead of update (PATCH, a password rotation): regcred's handler against the SDK-only
// baseline (Encrypt + UpdateItem), both answered from memory, measured like the other routes.
import { randomUUID } from 'node:crypto';
import { DynamoDbCredentialStore } from '../functions/adapters/dynamodb-credential-store.ts';
import { KmsPasswordEncryptor } from '../functions/adapters/kms-password-encryptor.ts';
import { routes } from '../functions/contract/routes.ts';
import { updateCredentialHandler } from '../functions/http/handlers/update-credential.ts';
import { apiGatewayEvent, lambdaContext } from '../local/lambda-event.ts';
import { dynamoClient, kmsClient } from './baselines/bare.ts';
import { bareUpdate } from './baselines/update.ts';
import { InMemoryRequestHandler } from './in-memory-aws.ts';
import { round } from './stats.ts';
import { measurePair, type WarmResult } from './warm.ts';

const pathParameters = { project: 'bench-warm', id: '0190a0b0-0000-7000-8000-000000000001' };
const event = () =>
  apiGatewayEvent({
    route: routes.updateCredential,
    pathParameters,
    headers: { 'content-type': 'application/json', host: 'bench.local' },
    apiId: 'bench',
    body: JSON.stringify({ password: `bench-rotated-${randomUUID()}` }),
  });

export async function measureUpdateWarm(invocations = 10_000, rounds = 10): Promise<WarmResult> {
  const requestHandler = new InMemoryRequestHandler();
  const handler = updateCredentialHandler({
    store: DynamoDbCredentialStore.fromEnv({ requestHandler }),
    encryptor: KmsPasswordEncryptor.fromEnv({ requestHandler }),
    clock: { now: () => new Date() },
  });
  const table = process.env['REGCRED_TABLE_NAME'] ?? '';
  const bare = bareUpdate(kmsClient({ requestHandler }), dynamoClient({ requestHandler }), table, process.env['REGCRED_KMS_KEY_ID'] ?? '');
  return measurePair(
    {
      regcred: () => {
        const [e, context] = [event(), lambdaContext(routes.updateCredential, randomUUID())];
        return () => handler(e, context);
      },
      baseline: () => {
        const e = event();
        return () => bare(e);
      },
    },
    200,
    invocations,
    rounds,
  );
}

/** The RESULTS.md section for update. */
export function updateWarmSection(w: WarmResult, target: number): string {
  return [
    '## Warm overhead of update (password rotation)',
    '',
    `${w.invocations.toLocaleString('en')} in-process invocations of the update handler, measured like the other routes, against a bare handler making the same SDK calls (KMS Encrypt, then one conditional UpdateItem returning the new item; bench/baselines/update.ts).`,
    '',
    '| | regcred p50 (µs) | baseline p50 (µs) | p50 ratio | ratio per round min / **median** / max | regcred p99 (µs) | baseline p99 (µs) | target |',
    '|---|---|---|---|---|---|---|---|',
    `| update | ${round(w.p50Us.regcred, 0)} | ${round(w.p50Us.baseline, 0)} | ${round(w.p50Ratio, 3)} | ${round(w.p50RatioRounds.min, 2)} / **${round(w.p50RatioRounds.median, 2)}** / ${round(w.p50RatioRounds.max, 2)} | ${round(w.p99Us.regcred, 0)} | ${round(w.p99Us.baseline, 0)} | p50 ratio <= ${target}: ${w.p50Ratio <= target ? 'met' : '**missed**'} |`,
    '',
  ].join('\n');
}
