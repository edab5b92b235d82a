// What the README says of list order, checked on the id generator: ids sort by the millisecond
// passed in, and within one millisecond their order is random.
import { describe, expect, it } from 'vitest';
import { newCredentialId } from '../../functions/core/ids.ts';

describe('newCredentialId', () => {
  it('is a UUIDv7 whose first 48 bits are the given millisecond', () => {
    const now = Date.parse('2026-11-27T08:00:00.123Z');
    const id = newCredentialId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('sorts by millisecond across milliseconds, and randomly within one', () => {
    const now = Date.now();
    for (let i = 0; i < 100; i++) expect(newCredentialId(now + i) < newCredentialId(now + i + 1)).toBe(true);
    const sameMillisecond = Array.from({ length: 200 }, () => newCredentialId(now));
    const inOrder = sameMillisecond.slice(1).filter((id, i) => sameMillisecond[i]! < id).length;
    expect(inOrder).toBeGreaterThan(40);
    expect(inOrder).toBeLessThan(160);
  });
});
