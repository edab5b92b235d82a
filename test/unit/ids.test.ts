import { describe, expect, it } from 'vitest';
import { newCredentialId } from '../../functions/core/ids.ts';

describe('newCredentialId', () => {
  it('is a UUIDv7: version 7, RFC variant, the time in milliseconds in its first 48 bits', () => {
    const now = Date.UTC(2026, 10, 27, 8, 0, 0, 123);
    const id = newCredentialId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
  });

  it('keeps 74 random bits: ids of the same millisecond differ and spread over every hex digit', () => {
    const ids = Array.from({ length: 2000 }, () => newCredentialId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    const randomDigits = ids.map((id) => id.replace(/-/g, '').slice(13)).join('');
    for (const digit of '0123456789abcdef') expect(randomDigits).toContain(digit);
  });

  it('sorts by creation time across milliseconds', () => {
    const earlier = newCredentialId(1_700_000_000_000);
    const later = newCredentialId(1_700_000_000_001);
    expect(earlier < later).toBe(true);
  });
});
