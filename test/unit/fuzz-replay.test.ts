// REGCRED_FUZZ_SEED replays a fuzz run: the fuzzer's own driver (fuzzBatches), given the same seed,
// hands out the same requests, byte for byte and in the same order, passwords and their markers
// included; another seed gives others.
import { describe, expect, it } from 'vitest';
import { fuzzBatches, type Built, type recipes } from '../adversarial/fuzz-requests.ts';

async function generated(route: keyof typeof recipes, seed: number): Promise<string[]> {
  const sent: string[] = [];
  const wire = (req: Built) => JSON.stringify({ ...req, body: req.body?.toString('base64') });
  await fuzzBatches(route, { seed, batches: 40, batchSize: 8 }, () => [], async (batch) => {
    sent.push(...batch.map(wire));
  });
  return sent;
}

describe('fuzz replay', () => {
  it.each(['add', 'list', 'delete', 'update', 'verify', 'resolve', 'dockerconfigjson'] as const)('the same seed sends the same %s requests; another seed does not', async (route) => {
    const [first, again, other] = await Promise.all([generated(route, 1234), generated(route, 1234), generated(route, 1235)]);
    expect(first).toHaveLength(320);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('passwords carry generated markers: replayed, and distinct within a run', async () => {
    const markersOf = (sent: string[]) => sent.flatMap((s) => (JSON.parse(s) as Built).passwords.map((p) => p.slice(0, 12)));
    const [first, again] = await Promise.all([generated('add', 99), generated('add', 99)]);
    const markers = markersOf(first);
    expect(markers.length).toBeGreaterThan(100);
    expect(markersOf(again)).toEqual(markers);
    for (const m of markers) expect(m).toMatch(/^FZK[0-9a-z]{9}$/);
    expect(new Set(markers).size).toBe(markers.length);
  });
});
