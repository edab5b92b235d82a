// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Lists are in id order, so in
// the order adds began, to the millisecond (the caller takes `now` before the KMS call); ids of the
// same millisecond order randomly, not by when they were stored.
import { randomUUID } from 'node:crypto';

/** A v4 UUID (random bits from Node's buffered entropy) with its first 48 bits set to the time in ms. */
export function newCredentialId(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
