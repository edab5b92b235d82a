// Throwaway certificates for tests, made with the `openssl` command (node has no X.509 builder): a
// CA, and leaf certificates it signs, for a token issuer's x5c chain or an https test server.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from './run.ts';

export interface Leaf {
  readonly certificatePem: string;
  readonly keyPem: string;
  readonly certificateFile: string;
  readonly keyFile: string;
  /** Base64 DER, as a JWT `x5c` entry carries it. */
  readonly derBase64: string;
}

export interface TestPki {
  readonly dir: string;
  readonly caPem: string;
  readonly caFile: string;
  /** A leaf signed by the CA; `names` become subjectAltNames (DNS names or IP addresses). */
  leaf(commonName: string, names?: readonly string[]): Promise<Leaf>;
  remove(): void;
}

async function openssl(args: string[]): Promise<void> {
  const result = await runProgram('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

export async function createPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-pki-'));
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=regcred test CA']);
  let serial = 1;
  return {
    dir,
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    async leaf(commonName, names = []) {
      const base = join(dir, `leaf-${serial}`);
      await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]);
      const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      writeFileSync(`${base}.ext`, san ? `subjectAltName=${san}\n` : 'basicConstraints=CA:FALSE\n');
      await openssl([
        'x509', '-req', '-in', `${base}.csr`, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(serial++),
        '-out', `${base}.pem`, '-days', '2', '-extfile', `${base}.ext`,
      ]);
      const certificatePem = readFileSync(`${base}.pem`, 'utf8');
      const derBase64 = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
      return { certificatePem, keyPem: readFileSync(`${base}.key`, 'utf8'), certificateFile: `${base}.pem`, keyFile: `${base}.key`, derBase64 };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
