import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { CredentialEvent } from '../core/credential-events.ts';
import type { EventSink } from '../core/ports.ts';
import { eventDefaults, eventEnvNames } from '../contract/events.ts';
import { requiredEnv } from '../contract/config.ts';
import { clientConfig } from './aws-clients.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** PutEvents takes at most 10 entries per call. */
const maxEntriesPerCall = 10;
/** Attempts per entry: PutEvents reports throttled or failed entries one by one (FailedEntryCount). */
const maxAttempts = 3;

export class EventBridgeEventSink implements EventSink {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly source: string;
  /** The first retry waits 4x this, the second 8x. */
  private readonly backoffMs: number;

  constructor(client: EventBridgeClient, busName: string, source: string, backoffMs = 100) {
    this.client = client;
    this.busName = busName;
    this.source = source;
    this.backoffMs = backoffMs;
  }

  static fromEnv(): EventBridgeEventSink {
    const source = process.env[eventEnvNames.source] || eventDefaults.source;
    return new EventBridgeEventSink(new EventBridgeClient(clientConfig), requiredEnv(eventEnvNames.busName), source);
  }

  async publish(events: readonly CredentialEvent[]): Promise<number[]> {
    let pending = events.map((_, index) => index);
    for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs * 2 ** attempt);
      const failed: number[] = [];
      for (let i = 0; i < pending.length; i += maxEntriesPerCall) {
        const chunk = pending.slice(i, i + maxEntriesPerCall);
        failed.push(...(await this.put(chunk, events)));
      }
      pending = failed;
    }
    return pending;
  }

  /** The indexes of the chunk's entries that failed (all of them when the call itself failed). */
  private async put(indexes: number[], events: readonly CredentialEvent[]): Promise<number[]> {
    const entries: PutEventsRequestEntry[] = indexes.map((i) => this.entry(events[i] as CredentialEvent));
    try {
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if (!result.FailedEntryCount) return [];
      return indexes.filter((_, k) => result.Entries?.[k]?.ErrorCode !== undefined || result.Entries?.[k]?.EventId === undefined);
    } catch {
      return indexes;
    }
  }

  private entry(event: CredentialEvent): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: this.source,
      DetailType: event.detailType,
      Time: new Date(event.detail.metadata.time),
      Detail: JSON.stringify(event.detail),
    };
  }
}

