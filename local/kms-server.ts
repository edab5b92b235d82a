// A small KMS-compatible endpoint (AWS JSON 1.1 protocol, TrentService Encrypt/Decrypt/DescribeKey)
// so the real KMS SDK client and `aws kms ... --endpoint-url` work with no AWS account.
// AES-256-GCM with the encryption context as additional data: a ciphertext decrypts only with the
// exact context it was made with. Key material is generated once and kept in a 0600 file.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localAccountId as localAccount } from './lambda-event.ts';
import { foreignRequest, foreignRequestBody } from './origin-guard.ts';

const maxPlaintextBytes = 4096;
/** Far above any real request (a 4 KiB plaintext is under 6 KiB of JSON); bounds memory. */
export const maxKmsRequestBytes = 64 * 1024;
const formatVersion = 1;

interface KeyFile {
  keys: Record<string, string>;
  aliases: Record<string, string>;
}

class KmsError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export class LocalKeyStore {
  private readonly file: string;
  private readonly data: KeyFile;
  readonly region: string;

  constructor(file: string, region: string) {
    this.file = file;
    this.region = region;
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KeyFile) : { keys: {}, aliases: {} };
  }

  /** Makes sure an alias (e.g. alias/regcred) points at a key, creating the key material once. */
  ensureAlias(alias: string): string {
    const existing = own(this.data.aliases, alias);
    if (existing && own(this.data.keys, existing)) return this.arn(existing);
    const keyId = randomUUID();
    this.data.keys[keyId] = randomBytes(32).toString('base64');
    this.data.aliases[alias] = keyId;
    writeFileSync(this.file, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    chmodSync(this.file, 0o600);
    return this.arn(keyId);
  }

  arn(keyId: string): string {
    return `arn:aws:kms:${this.region}:${localAccount}:key/${keyId}`;
  }

  resolve(reference: unknown): { keyId: string; material: Buffer } {
    if (typeof reference !== 'string' || reference === '') throw new KmsError('ValidationException', 'KeyId is required');
    const alias = /^(?:arn:aws:kms:[^:]*:[^:]*:)?(alias\/.+)$/.exec(reference)?.[1];
    const keyId = alias ? own(this.data.aliases, alias) : /([0-9a-f-]{36})$/.exec(reference)?.[1];
    const material = keyId ? own(this.data.keys, keyId) : undefined;
    if (!keyId || !material) throw new KmsError('NotFoundException', `Key '${reference}' does not exist`);
    return { keyId, material: Buffer.from(material, 'base64') };
  }

  encrypt(reference: unknown, plaintext: Buffer, context: Record<string, string>): { blob: Buffer; keyId: string } {
    const { keyId, material } = this.resolve(reference);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', material, iv);
    cipher.setAAD(aad(keyId, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const header = Buffer.from([formatVersion]);
    return { blob: Buffer.concat([header, Buffer.from(keyId, 'ascii'), iv, cipher.getAuthTag(), body]), keyId };
  }

  decrypt(blob: Buffer, context: Record<string, string>, expectedKey?: unknown): { plaintext: Buffer; keyId: string } {
    const invalid = new KmsError('InvalidCiphertextException', 'The ciphertext is invalid or its encryption context does not match');
    if (blob.length < 1 + 36 + 12 + 16 || blob[0] !== formatVersion) throw invalid;
    const keyId = blob.subarray(1, 37).toString('ascii');
    const material = own(this.data.keys, keyId);
    if (!material) throw invalid;
    if (expectedKey !== undefined && this.resolve(expectedKey).keyId !== keyId) {
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', Buffer.from(material, 'base64'), blob.subarray(37, 49));
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(blob.subarray(49, 65));
      return { plaintext: Buffer.concat([decipher.update(blob.subarray(65)), decipher.final()]), keyId };
    } catch {
      throw invalid;
    }
  }
}

// Key ids and aliases come from requests: only the store's own entries count, never inherited ones.
function own(record: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

// The key id and the context, canonically ordered, are authenticated but not encrypted.
function aad(keyId: string, context: Record<string, string>): Buffer {
  const ordered = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify([keyId, ordered]), 'utf8');
}

type Operation = (store: LocalKeyStore, input: Record<string, unknown>) => Record<string, unknown>;

// A Map, not an object: only these names dispatch, never inherited ones such as `constructor`.
const operations = new Map<string, Operation>(Object.entries({
  Encrypt(store, input) {
    const plaintext = base64Field(input, 'Plaintext');
    if (plaintext.length < 1 || plaintext.length > maxPlaintextBytes) {
      throw new KmsError('ValidationException', `Plaintext must be 1 to ${maxPlaintextBytes} bytes`);
    }
    const { blob, keyId } = store.encrypt(input['KeyId'], plaintext, contextField(input));
    return { CiphertextBlob: blob.toString('base64'), KeyId: store.arn(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  Decrypt(store, input) {
    const { plaintext, keyId } = store.decrypt(base64Field(input, 'CiphertextBlob'), contextField(input), input['KeyId']);
    return { Plaintext: plaintext.toString('base64'), KeyId: store.arn(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  DescribeKey(store, input) {
    const { keyId } = store.resolve(input['KeyId']);
    const arn = store.arn(keyId);
    return {
      KeyMetadata: {
        KeyId: keyId,
        Arn: arn,
        AWSAccountId: localAccount,
        Enabled: true,
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
      },
    };
  },
} satisfies Record<string, Operation>));

function base64Field(input: Record<string, unknown>, name: string): Buffer {
  const value = input[name];
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw new KmsError('ValidationException', `${name} must be a base64 blob`);
  }
  return Buffer.from(value, 'base64');
}

function contextField(input: Record<string, unknown>): Record<string, string> {
  const context = input['EncryptionContext'] ?? {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new KmsError('ValidationException', 'EncryptionContext must be a map of strings');
  }
  for (const value of Object.values(context)) {
    if (typeof value !== 'string') throw new KmsError('ValidationException', 'EncryptionContext values must be strings');
  }
  return context as Record<string, string>;
}

async function handle(store: LocalKeyStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    // After a refused oversized body the rest of it is never read: close rather than reuse the socket.
    const close = status === 413 ? { connection: 'close' } : {};
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), ...close });
    res.end(JSON.stringify(body));
  };
  const foreign = foreignRequest(req);
  if (foreign) return send(foreign.status, { __type: 'AccessDeniedException', ...foreignRequestBody(foreign) });
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('TrentService.') ? operations.get(target.slice('TrentService.'.length)) : undefined;
    if (req.method !== 'POST' || !operation) throw new KmsError('UnknownOperationException', 'Unsupported operation');
    const text = await readCapped(req);
    let input: unknown;
    try {
      input = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new KmsError('SerializationException', 'The request body is not valid JSON');
    }
    if (typeof input !== 'object' || input === null) throw new KmsError('SerializationException', 'Expected a JSON object');
    send(200, operation(store, input as Record<string, unknown>));
  } catch (error) {
    const kmsError = error instanceof KmsError ? error : new KmsError('KMSInternalException', 'Internal error', 500);
    send(kmsError.status, { __type: kmsError.type, message: kmsError.message });
  }
}

async function readCapped(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxKmsRequestBytes) {
      throw new KmsError('ValidationException', `The request body must be at most ${maxKmsRequestBytes} bytes`, 413);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startKmsServer(store: LocalKeyStore, port: number, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handle(store, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
}
