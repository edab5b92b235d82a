import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventSink } from '../core/ports.ts';
import { publishChanges } from '../core/publish-changes.ts';
import { toStreamedChange, type StreamRecordLike } from '../adapters/stream-records.ts';

/** The stream publisher: one batch of table changes in, the first unpublished record reported back. */
export function publishEventsHandler(sink: EventSink) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const failed = await publishChanges(sink, event.Records.map((r) => toStreamedChange(r as StreamRecordLike)));
    return { batchItemFailures: failed === null ? [] : [{ itemIdentifier: failed }] };
  };
}
