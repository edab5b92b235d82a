// The events the run's `npm start` published (its stream publisher appends them to events.ndjson).
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { DeliveredEvent } from '../../local/event-file.ts';

function publishedEvents(project: string): DeliveredEvent[] {
  let text = '';
  try {
    text = readFileSync(inject('localStack').eventsFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as DeliveredEvent)
    .filter((e) => e.detail.data.project === project);
}

/** The project's events once there are at least `count` of them (or whatever there is after 20 s). */
export async function waitForEvents(project: string, count: number): Promise<DeliveredEvent[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = publishedEvents(project);
    if (events.length >= count || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
}
