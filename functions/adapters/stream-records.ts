// DynamoDB Stream records (from a Lambda event or the Streams API) as the core's credential changes:
// the one place that reads the table's key layout off a stream record.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { credentialSortPrefix, keyOf, tableKeys } from '../contract/table.ts';
import type { StoredCredential } from '../core/credential.ts';
import type { StreamedChange } from '../core/publish-changes.ts';
import { fromStoredItem, type Item } from './dynamodb-items.ts';

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
  return {
    sequenceNumber: d.SequenceNumber ?? '',
    change: {
      id: record.eventID ?? d.SequenceNumber ?? '',
      kind: record.eventName === 'INSERT' || record.eventName === 'REMOVE' ? record.eventName : 'MODIFY',
      time: time.toISOString(),
      before: credentialIn(d.OldImage),
      after: credentialIn(d.NewImage),
    },
  };
}

const projectPrefix = keyOf.project('');

/** The credential an item image holds; undefined for any other item (a registry guard, a check counter). */
function credentialIn(image: Record<string, unknown> | undefined): StoredCredential | undefined {
  const item = image as Item | undefined;
  const partition = item?.[tableKeys.partition]?.S;
  const sort = item?.[tableKeys.sort]?.S;
  if (!item || !partition?.startsWith(projectPrefix) || !sort?.startsWith(credentialSortPrefix)) return undefined;
  return { ...fromStoredItem(partition.slice(projectPrefix.length), item), ciphertext: bytes(item['ciphertext']?.B) };
}

/** A binary attribute: bytes from the SDK, base64 text in a Lambda event's JSON. */
function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return typeof value === 'string' ? Buffer.from(value, 'base64') : new Uint8Array();
}
