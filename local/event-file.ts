// `npm start`'s event bus: each event appended to REGCRED_HOME/events.ndjson as EventBridge would
// deliver it to a rule's target, one JSON object per line.
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { eventDefaults } from '../functions/contract/events.ts';
import type { CredentialEvent } from '../functions/core/credential-events.ts';
import type { EventSink } from '../functions/core/ports.ts';

export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly time: string;
  readonly resources: readonly string[];
  readonly detail: CredentialEvent['detail'];
}

export class NdjsonFileEventSink implements EventSink {
  private readonly file: string;
  private readonly source: string;

  constructor(file: string, source: string = eventDefaults.source) {
    this.file = file;
    this.source = source;
  }

  async publish(events: readonly CredentialEvent[]): Promise<number[]> {
    const lines = events.map((event) => {
      const delivered: DeliveredEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: this.source,
        time: event.detail.metadata.time,
        resources: [],
        detail: event.detail,
      };
      return `${JSON.stringify(delivered)}\n`;
    });
    try {
      await appendFile(this.file, lines.join(''), { mode: 0o600 });
      return [];
    } catch {
      return events.map((_, i) => i);
    }
  }
}
