import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { EventSink } from '../core/ports.ts';
import { publishChanges } from '../core/publish-changes.ts';
import { toStreamedChange, type StreamRecordLike } from '../adapters/stream-records.ts';
import { logger } from '../http/logger.ts';

/** The stream publisher: one batch of table changes in, the first unpublished record reported back. */
export function publishEventsHandler(sink: EventSink) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const failed = await publishChanges(sink, event.Records.map((r) => toStreamedChange(r as StreamRecordLike)));
    if (failed !== null) logger.warn('events not published; the stream resumes at this record', { sequenceNumber: failed, records: event.Records.length });
    return { batchItemFailures: failed === null ? [] : [{ itemIdentifier: failed }] };
  };
}
