// `npm start`'s event source mapping for the table's stream: reads it from DynamoDB Local through
// the Streams API, with the publisher function's role, and hands each batch to that function. The position
// in each shard is kept in a checkpoint file, so a restart neither repeats nor loses events.
import { readFileSync, writeFileSync } from 'node:fs';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecordLike } from '../functions/adapters/stream-records.ts';
import { localRegion } from './sigv4-verifier.ts';

export interface StreamPublisherOptions {
  readonly endpoint: string;
  readonly streamArn: string;
  /** Whose credentials read the stream: as Lambda's event source mapping, the function's role. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Hands one batch to the function; answers the sequence number to resume at, or null when all is done. */
  readonly deliver: (records: StreamRecordLike[]) => Promise<string | null>;
  readonly checkpointFile: string;
  readonly pollMs?: number;
}

export interface StreamPublisher {
  stop(): Promise<void>;
}

const rediscoverMs = 2000;

export async function startStreamPublisher(options: StreamPublisherOptions): Promise<StreamPublisher> {
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: localRegion, credentials: options.credentials });
  const { streamArn } = options;

  const checkpoints = readCheckpoints(options.checkpointFile);
  const iterators = new Map<string, string>();
  const finished = new Set<string>();
  const iterator = async (shardId: string, type: ShardIteratorType, sequenceNumber?: string) => {
    const out = await streams.send(
      new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shardId, ShardIteratorType: type, SequenceNumber: sequenceNumber }),
    );
    if (out.ShardIterator) iterators.set(shardId, out.ShardIterator);
  };
  // At start a shard with no checkpoint is read from its end (older changes belong to no run of
  // this publisher); shards that appear later are read from their beginning.
  const discover = async (atStart: boolean) => {
    for (const shard of await listShards(streams, streamArn)) {
      const id = shard.ShardId ?? '';
      if (iterators.has(id) || finished.has(id)) continue;
      const done = checkpoints[id];
      if (done) await iterator(id, 'AFTER_SEQUENCE_NUMBER', done);
      else if (atStart && shard.SequenceNumberRange?.EndingSequenceNumber) finished.add(id);
      else await iterator(id, atStart ? 'LATEST' : 'TRIM_HORIZON');
    }
  };
  await discover(true);

  let stopping = false;
  const loop = (async () => {
    let lastDiscovery = Date.now();
    while (!stopping) {
      let read = 0;
      for (const [shardId, current] of [...iterators]) {
        const out = await streams.send(new GetRecordsCommand({ ShardIterator: current, Limit: 100 }));
        const records = (out.Records ?? []) as StreamRecordLike[];
        read += records.length;
        const failed = records.length === 0 ? null : await options.deliver(records);
        if (failed !== null) {
          await iterator(shardId, 'AT_SEQUENCE_NUMBER', failed);
          // Like the event source mapping's retries: not in a hot loop.
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        const last = records.at(-1)?.dynamodb?.SequenceNumber;
        if (last) {
          checkpoints[shardId] = last;
          writeFileSync(options.checkpointFile, JSON.stringify(checkpoints), { mode: 0o600 });
        }
        if (out.NextShardIterator) {
          iterators.set(shardId, out.NextShardIterator);
        } else {
          iterators.delete(shardId);
          finished.add(shardId);
        }
      }
      if (Date.now() - lastDiscovery > rediscoverMs) {
        await discover(false);
        lastDiscovery = Date.now();
      }
      if (read === 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 150));
    }
  })();
  // A failure (DynamoDB Local stopped) ends the loop; the API keeps running without events.
  const ended = loop.catch((error: unknown) => {
    if (!stopping) console.error(`event publisher stopped: ${error instanceof Error ? error.message : String(error)}`);
  });
  return {
    async stop() {
      stopping = true;
      await ended;
      streams.destroy();
    },
  };
}

async function listShards(streams: DynamoDBStreamsClient, streamArn: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let start: string | undefined;
  do {
    const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
    shards.push(...(out.StreamDescription?.Shards ?? []));
    start = out.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return shards;
}

function readCheckpoints(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}
