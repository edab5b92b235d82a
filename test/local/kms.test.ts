// The local KMS endpoint, checked with the official AWS CLI and the AWS SDK.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DecryptCommand, DescribeKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { describe, expect, inject, it } from 'vitest';
import { maxKmsRequestBytes } from '../../local/kms-server.ts';
import { localClients } from '../support/handlers.ts';

const run = promisify(execFile);
const stack = inject('localStack');
const { kms } = localClients();
const cliEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'regcredlocal',
  AWS_SECRET_ACCESS_KEY: 'regcredlocal',
  AWS_DEFAULT_REGION: stack.region,
  AWS_ENDPOINT_URL_KMS: stack.kmsEndpoint,
};
const aws = (...args: string[]) => run('aws', ['kms', ...args, '--endpoint-url', stack.kmsEndpoint], { env: cliEnv });

describe('local KMS endpoint', () => {
  it('works with the AWS CLI and refuses a different encryption context', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regcred-kms-'));
    writeFileSync(join(dir, 'plain'), 'hello from the aws cli');
    const encrypted = await aws(
      'encrypt', '--key-id', stack.keyId, '--plaintext', `fileb://${join(dir, 'plain')}`,
      '--encryption-context', 'project=demo,credentialId=abc', '--output', 'json',
    );
    const { CiphertextBlob, KeyId } = JSON.parse(encrypted.stdout) as { CiphertextBlob: string; KeyId: string };
    expect(KeyId).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    writeFileSync(join(dir, 'blob'), Buffer.from(CiphertextBlob, 'base64'));

    const decrypted = await aws(
      'decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob')}`,
      '--encryption-context', 'project=demo,credentialId=abc', '--output', 'json',
    );
    const { Plaintext } = JSON.parse(decrypted.stdout) as { Plaintext: string };
    expect(Buffer.from(Plaintext, 'base64').toString()).toBe('hello from the aws cli');

    await expect(
      aws('decrypt', '--ciphertext-blob', `fileb://${join(dir, 'blob')}`, '--encryption-context', 'project=other,credentialId=abc'),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('InvalidCiphertextException') });
  });

  it('keeps its key material in a file only the owner can read', () => {
    expect(statSync(join(stack.home, 'kms-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('answers like KMS for unknown keys, wrong keys, bad ciphertext and oversized plaintext', async () => {
    const encrypt = (KeyId: string, bytes: number) =>
      kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.alloc(bytes, 1), EncryptionContext: { a: 'b' } }));
    await expect(encrypt('alias/nope', 10)).rejects.toMatchObject({ name: 'NotFoundException' });
    await expect(encrypt(stack.keyId, 4097)).rejects.toMatchObject({ name: 'ValidationException' });
    const { CiphertextBlob, KeyId } = await encrypt(stack.keyId, 4096);
    expect(KeyId).toBe((await kms.send(new DescribeKeyCommand({ KeyId: stack.keyId }))).KeyMetadata?.Arn);

    const decrypt = (blob: Uint8Array, keyId?: string) =>
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { a: 'b' }, ...(keyId && { KeyId: keyId }) }));
    expect((await decrypt(CiphertextBlob as Uint8Array, KeyId)).Plaintext).toHaveLength(4096);
    const tampered = Buffer.from(CiphertextBlob as Uint8Array);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(decrypt(tampered)).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(decrypt(Buffer.from('garbage'))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
    await expect(decrypt(CiphertextBlob as Uint8Array, 'alias/nope')).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  const post = (target: string, body: string) =>
    fetch(stack.kmsEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'ListKeys', ''])(
    'answers TrentService.%s with UnknownOperationException and nothing of the key store',
    async (operation) => {
      const reply = await post(`TrentService.${operation}`, '{}');
      const text = await reply.text();
      expect(reply.status).toBe(400);
      expect(JSON.parse(text)).toEqual({ __type: 'UnknownOperationException', message: expect.any(String) });
      const { keys } = JSON.parse(readFileSync(join(stack.home, 'kms-keys.json'), 'utf8')) as { keys: Record<string, string> };
      for (const [keyId, material] of Object.entries(keys)) {
        expect(text).not.toContain(keyId);
        expect(text).not.toContain(material);
      }
    },
  );

  it('refuses a request body over 64 KiB with a 413 and keeps serving', async () => {
    const oversized = JSON.stringify({ KeyId: stack.keyId, Plaintext: 'A'.repeat(maxKmsRequestBytes) });
    const reply = await post('TrentService.Encrypt', oversized);
    expect(reply.status).toBe(413);
    expect(await reply.json()).toEqual({ __type: 'ValidationException', message: expect.stringContaining(`${maxKmsRequestBytes} bytes`) });
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: stack.keyId }));
    expect(KeyMetadata?.Enabled).toBe(true);
  });
});
