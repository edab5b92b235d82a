// `regcred events tail`: the events `npm start` appended to REGCRED_HOME/events.ndjson. A deployed
// stack publishes to EventBridge instead (read them with a rule, an archive or a target of yours).
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { eventDefaults } from '../functions/contract/events.ts';
import { UsageError } from './config.ts';
import { regcredHome } from './local-stack-lock.ts';
import type { Io } from './io.ts';

export interface TailOptions {
  readonly home: string;
  readonly follow: boolean;
  readonly output: 'text' | 'json';
  /** Ends a follow (Ctrl-C ends the process otherwise). */
  readonly signal?: AbortSignal;
  readonly pollMs?: number;
}

/** REGCRED_HOME, else the running stack's home (regcredHome); an empty REGCRED_HOME is a usage error. */
export function defaultHome(): string {
  return regcredHome();
}

export async function tailEvents(io: Io, options: TailOptions): Promise<void> {
  const file = join(options.home, eventDefaults.localFile);
  let offset = 0;
  let partial = '';
  const printNew = async () => {
    const size = await stat(file).then((s) => s.size, () => -1);
    if (size < 0) {
      if (!options.follow) throw new UsageError(`No events yet: ${file} does not exist (events are written while \`npm start\` runs).`);
      return;
    }
    if (size < offset) offset = 0;
    if (size === offset) return;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) io.out(`${options.output === 'json' ? line : describeEvent(line)}\n`);
    } finally {
      await handle.close();
    }
  };
  await printNew();
  while (options.follow && !options.signal?.aborted) {
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    await printNew();
  }
}

/** One line per event: time, detail-type, project/id, registry, username, then status and changed fields. */
function describeEvent(line: string): string {
  const event = JSON.parse(line) as {
    'detail-type': string;
    time: string;
    detail: { data: { project: string; credentialId: string; registry: string; username: string | null; status?: string; changed?: string[] } };
  };
  const d = event.detail.data;
  const extra = [d.status && `status=${d.status}`, d.changed && `changed=${d.changed.join(',')}`].filter(Boolean);
  return [event.time, event['detail-type'], `${d.project}/${d.credentialId}`, d.registry, d.username ?? '-', ...extra].join('  ');
}
