import { EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { envNames, requiredEnv } from '../contract/config.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';
import { UnavailableError } from '../core/errors.ts';
import type { PasswordEncryptor } from '../core/ports.ts';

export class KmsPasswordEncryptor implements PasswordEncryptor {
  private readonly kms: KMSClient;
  private readonly keyId: string;

  constructor(kms: KMSClient, keyId: string) {
    this.kms = kms;
    this.keyId = keyId;
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: KMSClientConfig = {}): KmsPasswordEncryptor {
    return new KmsPasswordEncryptor(new KMSClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.kmsKeyId));
  }

  async encrypt(password: string, context: Record<string, string>): Promise<Uint8Array> {
    try {
      const result = await this.kms.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: Buffer.from(password, 'utf8'),
          EncryptionContext: context,
        }),
        operationDeadline(),
      );
      if (!result.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return result.CiphertextBlob;
    } catch (error) {
      throw new UnavailableError('The key service is unavailable; nothing was stored.', { cause: error });
    }
  }
}
