// Fast test data: credential-shaped items written straight to DynamoDB with parallel BatchWriteItem.
import { BatchWriteItemCommand, DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { keyOf } from '../functions/contract/table.ts';

type Item = Record<string, AttributeValue>;
const s = (S: string) => ({ S });

export function localDynamo(env: Record<string, string>): DynamoDBClient {
  return new DynamoDBClient({
    region: env['AWS_REGION']!,
    endpoint: env['AWS_ENDPOINT_URL_DYNAMODB']!,
    credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID']!, secretAccessKey: env['AWS_SECRET_ACCESS_KEY']! },
    maxAttempts: 10,
  });
}

/** A credential item and its registry guard, shaped as the adapter writes them. */
export function credentialItems(project: string, i: number): Item[] {
  const id = `0190a0b0-0000-7000-8000-${String(i).padStart(12, '0')}`;
  const registry = `registry-${i}.example.com`;
  const pk = s(keyOf.project(project));
  return [
    {
      pk,
      sk: s(keyOf.credential(id)),
      id: s(id),
      server: s(registry),
      registry: s(registry),
      username: s('robot'),
      createdAt: s('2026-01-01T00:00:00.000Z'),
      ciphertext: { B: new Uint8Array(184).fill(7) },
    },
    { pk, sk: s(keyOf.registryGuard(registry)), credentialId: s(id) },
  ];
}

export async function batchPut(db: DynamoDBClient, table: string, items: readonly Item[], concurrency = 16): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      while (pending.length > 0) {
        const result = await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
        pending = (result.UnprocessedItems?.[table] ?? []).map((r) => r.PutRequest!.Item!);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
