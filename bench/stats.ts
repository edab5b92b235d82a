// Small statistics helpers shared by every measurement.

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly runs: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, runs: sorted.length };
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Counts every HTTP attempt an SDK client makes, by operation (deserialize runs once per attempt). */
export function countCalls(client: { middlewareStack: { add: Function } }, counts: Record<string, number>): void {
  client.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'benchCallCounter' },
  );
}

/** Swallows stdout (Powertools' log lines) while `fn` runs; logging stays on, only the sink changes. */
export async function withStdoutSink<T>(fn: () => Promise<T>): Promise<{ value: T; bytes: number; lines: number; sample: string }> {
  const original = process.stdout.write;
  let bytes = 0;
  let lines = 0;
  let sample = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    if (!sample) sample = text;
    return true;
  }) as typeof process.stdout.write;
  try {
    const value = await fn();
    return { value, bytes, lines, sample };
  } finally {
    process.stdout.write = original;
  }
}
