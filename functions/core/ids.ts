// UUIDv7: random like v4, but time-ordered, so a project's credentials list in creation order.
import { randomUUID } from 'node:crypto';

/** A v4 UUID (random bits from Node's buffered entropy) with its first 48 bits set to the time in ms. */
export function newCredentialId(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
