// DynamoDB Stream records (from a Lambda event or the Streams API) as the core's TableChange.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { StreamedChange } from '../core/publish-changes.ts';

/** The part of a stream record both a Lambda event and GetRecords carry. */
export interface StreamRecordLike {
  readonly eventID?: string | undefined;
  readonly eventName?: string | undefined;
  readonly dynamodb?: {
    /** Seconds since the epoch in a Lambda event, a Date from the SDK. */
    readonly ApproximateCreationDateTime?: number | Date | undefined;
    readonly SequenceNumber?: string | undefined;
    readonly NewImage?: Record<string, unknown> | undefined;
    readonly OldImage?: Record<string, unknown> | undefined;
  } | undefined;
}

export function toStreamedChange(record: StreamRecordLike): StreamedChange {
  const d = record.dynamodb ?? {};
  const at = d.ApproximateCreationDateTime;
  const time = at instanceof Date ? at : at === undefined ? new Date() : new Date(at * 1000);
  const image = (raw: Record<string, unknown> | undefined) => (raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined);
  return {
    sequenceNumber: d.SequenceNumber ?? '',
    change: {
      id: record.eventID ?? d.SequenceNumber ?? '',
      kind: record.eventName === 'INSERT' || record.eventName === 'REMOVE' ? record.eventName : 'MODIFY',
      time: time.toISOString(),
      oldImage: image(d.OldImage),
      newImage: image(d.NewImage),
    },
  };
}
