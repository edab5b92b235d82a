// A real container registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1
// with a free port, `auth: htpasswd` (bcrypt, written by `htpasswd -B`), storage in a temp dir; plus
// an image built by hand as an OCI layout (one tiny layer, no network) and pushed with `skopeo`.
import { spawn, type ChildProcess } from 'node:child_process';
import { runProgram } from './run.ts';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface RegistryOptions {
  readonly username: string;
  readonly password: string;
  /** PEM files for https; plain http when absent. */
  readonly tls?: { readonly certificate: string; readonly key: string };
  /**
   * `auth: token` instead of htpasswd: clients get tokens from `realm` (see token-issuer.ts), signed
   * by a certificate chaining to the PEM file `rootCertBundle`. The username and password are then
   * the token issuer's.
   */
  readonly token?: { readonly realm: string; readonly service: string; readonly issuer: string; readonly rootCertBundle: string };
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: what docker and skopeo call the registry (and pass to credential helpers). */
  readonly host: string;
  /** `http://127.0.0.1:<port>` (https with tls). */
  readonly url: string;
  readonly dir: string;
  /** Builds a one-layer image as an OCI layout and pushes it as `<host>/<repository>:<tag>` with the registry's own login. */
  push(repository: string, tag: string): Promise<void>;
  stop(): Promise<void>;
}


export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startRegistry(options: RegistryOptions): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-registry-'));
  const auth = options.token ? tokenAuth(options.token) : await htpasswdAuth(dir, options);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const tls = options.tls ? `\n  tls:\n    certificate: ${options.tls.certificate}\n    key: ${options.tls.key}` : '';
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${join(dir, 'storage')}
  delete:
    enabled: true
http:
  addr: ${host}${tls}
auth:
${auth}`,
  );
  const log = join(dir, 'registry.log');
  const out = openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', out, out] });
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  await waitForRegistry(url, child, log);

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  return {
    host,
    url,
    dir,
    stop,
    async push(repository, tag) {
      const layout = writeOciImage(join(dir, `oci-${repository.replaceAll('/', '_')}-${tag}`), tag);
      const authfile = join(dir, 'push-auth.json');
      const auth = Buffer.from(`${options.username}:${options.password}`).toString('base64');
      writeFileSync(authfile, JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600 });
      const copied = await runProgram('skopeo', [
        '--insecure-policy', 'copy', '--quiet', `--dest-authfile=${authfile}`, `--dest-tls-verify=false`,
        `oci:${layout}:${tag}`, `docker://${host}/${repository}:${tag}`,
      ]);
      rmSync(authfile, { force: true });
      if (copied.code !== 0) throw new Error(`skopeo copy failed (exit ${copied.code}): ${copied.stderr}`);
    },
  };
}

async function htpasswdAuth(dir: string, options: RegistryOptions): Promise<string> {
  const htpasswd = join(dir, 'htpasswd');
  // -i reads the password from stdin, so it never appears in a process list.
  const hashed = await runProgram('htpasswd', ['-B', '-i', '-c', htpasswd, options.username], { stdin: options.password });
  if (hashed.code !== 0) throw new Error(`htpasswd failed: ${hashed.stderr}`);
  return `  htpasswd:\n    realm: regcred-test\n    path: ${htpasswd}\n`;
}

function tokenAuth(token: NonNullable<RegistryOptions['token']>): string {
  const lines = [`realm: "${token.realm}"`, `service: "${token.service}"`, `issuer: "${token.issuer}"`, `rootcertbundle: ${token.rootCertBundle}`];
  return `  token:\n${lines.map((line) => `    ${line}\n`).join('')}`;
}

async function waitForRegistry(url: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited early:\n${readFileSync(log, 'utf8')}`);
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`docker-registry did not answer on ${url}:\n${readFileSync(log, 'utf8')}`);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Writes an OCI image layout holding one image (a layer with one small file) tagged `tag`; returns the layout dir. */
function writeOciImage(layout: string, tag: string): string {
  const blobs = join(layout, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const tar = tarOf('hello.txt', Buffer.from('hello from regcred tests\n'));
  const layer = putBlob(gzipSync(tar));
  const config = putBlob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
      }),
    ),
  );
  const manifest = putBlob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return layout;
}

/** A ustar archive with one regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (offset: number, length: number, value: number) => field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  field(0, 100, name);
  octal(100, 8, 0o644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, content.length);
  octal(136, 12, 0);
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}
