// A small KMS-compatible endpoint (AWS JSON 1.1 protocol, TrentService Encrypt/Decrypt/DescribeKey)
// so the real KMS SDK client and `aws kms ... --endpoint-url` work with no AWS account.
// AES-256-GCM with the encryption context as additional data: a ciphertext decrypts only with the
// exact context it was made with. Key material is generated once and kept in a 0600 file.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { localAccountId as localAccount } from './lambda-event.ts';
import type { NeededPermission } from './iam/gate.ts';
import type { NamedPolicy } from './iam/evaluator.ts';
import { ServiceError, type Input, type LocalService } from './aws/server.ts';

const maxPlaintextBytes = 4096;
/** Far above any real request (a 4 KiB plaintext is under 6 KiB of JSON); bounds memory. */
export const maxKmsRequestBytes = 64 * 1024;
const formatVersion = 1;

interface KeyFile {
  keys: Record<string, string>;
  aliases: Record<string, string>;
}

const KmsError = ServiceError;

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

  /** Every key id the store holds (as an object's own keys). */
  keyIds(): Record<string, string> {
    return this.data.keys;
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

/** The key's ARN for an Encrypt/Decrypt/DescribeKey request (Decrypt without KeyId: the ciphertext's key). */
function keyOfRequest(store: LocalKeyStore, operation: string, input: Input): { arn: string; alias?: string } {
  const reference = input['KeyId'];
  if (reference === undefined && operation === 'Decrypt') {
    const blob = typeof input['CiphertextBlob'] === 'string' ? Buffer.from(input['CiphertextBlob'], 'base64') : Buffer.alloc(0);
    const keyId = blob.length > 37 && blob[0] === formatVersion ? blob.subarray(1, 37).toString('ascii') : undefined;
    // An unreadable ciphertext names no key: KMS answers InvalidCiphertextException, whoever asks.
    if (!keyId || !Object.hasOwn(store.keyIds(), keyId)) throw new KmsError('InvalidCiphertextException', 'The ciphertext is invalid or its encryption context does not match');
    return { arn: store.arn(keyId) };
  }
  const { keyId } = store.resolve(reference);
  const alias = typeof reference === 'string' ? /(alias\/.+)$/.exec(reference)?.[1] : undefined;
  return { arn: store.arn(keyId), ...(alias && { alias }) };
}

/**
 * The local KMS as a service of the local AWS endpoint: each call is authorised against the caller's
 * policies and the key's policy from the template, with the encryption context as KMS passes it.
 */
export function kmsService(store: LocalKeyStore, keyPolicyOf: (keyArn: string) => NamedPolicy | undefined): LocalService {
  return {
    targetPrefix: 'TrentService',
    signingName: 'kms',
    contentType: 'application/x-amz-json-1.1',
    maxRequestBytes: maxKmsRequestBytes,
    has: (operation) => operations.has(operation),
    permissions(operation, input): NeededPermission[] {
      const { arn, alias } = keyOfRequest(store, operation, input);
      const context: Record<string, string | string[]> = { 'kms:CallerAccount': localAccount };
      if (operation === 'Encrypt' || operation === 'Decrypt') {
        const encryptionContext = contextField(input);
        context['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
        for (const [key, value] of Object.entries(encryptionContext)) context[`kms:EncryptionContext:${key}`] = value;
        context['kms:EncryptionAlgorithm'] = 'SYMMETRIC_DEFAULT';
      }
      if (alias) context['kms:RequestAlias'] = alias;
      const keyPolicy = keyPolicyOf(arn);
      // KMS itself refuses every use of a key whose policy does not allow it; a key the template does not define has none.
      if (!keyPolicy) throw new KmsError('AccessDeniedException', `The key ${arn} is not a key of the template: no key policy allows its use`);
      return [{ action: `kms:${operation}`, resource: arn, context, resourcePolicy: keyPolicy }];
    },
    run: (operation, input) => operations.get(operation)!(store, input),
  };
}
