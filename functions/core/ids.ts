// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Lists are in id order, so in
// the order adds began, to the millisecond (the caller takes `now` before the KMS call); ids of the
// same millisecond order randomly, not by when they were stored.
import { randomBytes } from 'node:crypto';

export function newCredentialId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
