// Only the read-side functions and verify import this module, so add's and update's bundles carry no Decrypt.
import { DecryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { envNames, requiredEnv } from '../contract/config.ts';
import { clientConfig, operationDeadline } from './aws-clients.ts';
import { UnavailableError } from '../core/errors.ts';
import type { PasswordDecryptor } from '../core/ports.ts';

export class KmsPasswordDecryptor implements PasswordDecryptor {
  private readonly kms: KMSClient;
  private readonly keyId: string;

  constructor(kms: KMSClient, keyId: string) {
    this.kms = kms;
    this.keyId = keyId;
  }

  /** The production wiring; overrides (e.g. a test request handler) are merged into the client config. */
  static fromEnv(overrides: KMSClientConfig = {}): KmsPasswordDecryptor {
    return new KmsPasswordDecryptor(new KMSClient({ ...clientConfig, ...overrides }), requiredEnv(envNames.kmsKeyId));
  }

  async decrypt(ciphertext: Uint8Array, context: Record<string, string>): Promise<string> {
    try {
      // KeyId pins the key: a ciphertext made under any other key is refused rather than decrypted.
      const result = await this.kms.send(
        new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: ciphertext, EncryptionContext: context }),
        operationDeadline(),
      );
      if (!result.Plaintext) throw new Error('KMS returned no plaintext');
      return Buffer.from(result.Plaintext).toString('utf8');
    } catch (error) {
      throw new UnavailableError('The key service is unavailable; nothing was returned.', { cause: error });
    }
  }
}
