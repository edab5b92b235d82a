import { credentialEvent, type CredentialChange } from './credential-events.ts';
import type { EventSink } from './ports.ts';

export interface StreamedChange {
  /** The stream's sequence number: what a partial batch failure names to resume from. */
  readonly sequenceNumber: string;
  readonly change: CredentialChange;
}

/**
 * Publishes the event of each change, in stream order. Returns the sequence number of the first
 * change whose event could not be published (the stream resumes there; events already sent may be
 * sent again, so consumers dedupe on `metadata.id`), or null when all went out.
 */
export async function publishChanges(sink: EventSink, changes: readonly StreamedChange[]): Promise<string | null> {
  const pending = changes.flatMap((c) => {
    const event = credentialEvent(c.change);
    return event ? [{ sequenceNumber: c.sequenceNumber, event }] : [];
  });
  if (pending.length === 0) return null;
  const failed = await sink.publish(pending.map((p) => p.event));
  const first = Math.min(...failed);
  return Number.isFinite(first) ? (pending[first]?.sequenceNumber ?? null) : null;
}
