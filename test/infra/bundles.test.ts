// The one synth with real (local esbuild) bundling: the bundles exist, are CommonJS, minified, with
// source maps and the AWS SDK inside, and tree-shaking keeps the KMS client out of list and delete.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { routeList } from '../../functions/contract/routes.ts';
import { createApp, stackName } from '../../infra/regcred-app.ts';
import { logicalId } from './synth.ts';

const outdir = mkdtempSync(join(tmpdir(), 'regcred-cdk-out-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

// Asset metadata is on when the CDK CLI runs the app; turn it on here to find each bundle.
const { app, stack } = createApp({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
const assembly = app.synth();
const template = assembly.getStackByName(stackName).template as {
  Resources: Record<string, { Metadata?: Record<string, string> }>;
};

// The functions of events and IaC, by name, next to the routes'.
const workers = {
  'publish-events': stack.events.publisher,
  'verify-queued': stack.reverification.worker,
  'enqueue-reverification': stack.reverification.enqueuer,
  'credential-resource': stack.credentialProvider.onEvent,
};

function bundleOf(name: string) {
  const fn = stack.api.functions[name] ?? workers[name as keyof typeof workers];
  const id = logicalId(fn!.function);
  const assetPath = template.Resources[id]?.Metadata?.['aws:asset:path'];
  if (!assetPath) throw new Error(`no asset for ${name}`);
  const file = join(assembly.directory, assetPath, 'index.js');
  return { file, code: existsSync(file) ? readFileSync(file, 'utf8') : '' };
}

// Minified bundles keep the SDK's string literals: the KMS wire target, client name and operation schema.
const kmsClientMarkers = ['TrentService', 'KMSClient', '"EncryptResponse"'];
const decryptMarker = '"DecryptResponse"';
// String literals of the read side's own modules (they survive minification).
const readSideMarkers = ['BatchGetItem', 'sees only the host', '"audit"', 'a 64-character image id'];

describe('real bundling', () => {
  it.each(routeList.map((r) => r.name))('%s: a CommonJS bundle that requires its builtins (no ESM import of one), minified, with a source map', (name) => {
    const { file, code } = bundleOf(name);
    expect(existsSync(file)).toBe(true);
    expect(code.startsWith('"use strict";')).toBe(true);
    expect(code.match(/\bimport\s*\{[^}]*\}\s*from\s*["']node:/g)).toBeNull();
    expect(code).toMatch(/require\("node:http"\)|require\("http"\)/);
    expect(JSON.parse(readFileSync(join(file, '..', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code.slice(-40).trim()).toMatch(/\/\/# sourceMappingURL=index\.js\.map$/);
    expect(existsSync(`${file}.map`)).toBe(true);
  });

  it.each(routeList.map((r) => r.name))('%s: bundles the AWS SDK instead of loading it from the runtime', (name) => {
    const { code } = bundleOf(name);
    expect(code.includes('DynamoDB_20120810')).toBe(true);
    expect(code.match(/(from|import\(|require\()\s*["']@aws-sdk\/client-[a-z-]+["']/g)).toBeNull();
  });

  it.each([...routeList.map((r) => r.name), ...Object.keys(workers)])('%s: takes credentials from the environment only, as Lambda gives them', (name) => {
    const { code } = bundleOf(name);
    expect(code).toContain('AWS_ACCESS_KEY_ID');
    // The rest of the SDK's default chain: SSO, web identity, container credentials.
    for (const marker of ['ssoStartUrl', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) expect(code, marker).not.toContain(marker);
  });

  const markersIn = (name: string, markers = kmsClientMarkers) => markers.filter((marker) => bundleOf(name).code.includes(marker));

  it('add and update bundle the KMS client; list and delete contain no KMS client code', () => {
    for (const name of ['add-credential', 'update-credential']) expect(markersIn(name)).toEqual(kmsClientMarkers);
    for (const name of ['list-credentials', 'delete-credential']) {
      expect(bundleOf(name).code.length).toBeGreaterThan(100_000);
      expect(markersIn(name)).toEqual([]);
    }
  });

  it('only the resolve-capability bundles and verify can Decrypt; they cannot Encrypt, and add and update cannot Decrypt', () => {
    for (const { name, capability } of routeList) {
      const decrypts = capability === 'resolve' || name === 'verify-credential';
      expect(markersIn(name, [decryptMarker]), name).toEqual(decrypts ? [decryptMarker] : []);
    }
    // verify shares the store class with add and delete (so their write calls are in its bundle), but never Encrypt.
    expect(markersIn('verify-credential', ['"EncryptResponse"'])).toEqual([]);
    for (const name of ['resolve-registry-auth', 'get-dockerconfigjson']) {
      expect(markersIn(name, ['"EncryptResponse"', 'TransactWriteItems', 'DeleteItem', 'PutItem'])).toEqual([]);
    }
  });

  it('the write side carries none of the read side: no reader, decryptor, image parsing or audit', () => {
    for (const name of ['add-credential', 'list-credentials', 'delete-credential', 'update-credential', 'verify-credential']) {
      expect(markersIn(name, readSideMarkers), name).toEqual([]);
    }
  });

  it('events and IaC: the publisher holds no KMS or table-write code; only the verify worker can Decrypt; the provider Encrypts', () => {
    expect(markersIn('publish-events', [...kmsClientMarkers, decryptMarker, 'TransactWriteItems', 'PutEventsCommand'])).toEqual([]);
    expect(bundleOf('publish-events').code).toContain('AWSEvents');
    expect(markersIn('enqueue-reverification', [...kmsClientMarkers, decryptMarker])).toEqual([]);
    expect(markersIn('verify-queued', [decryptMarker, '"EncryptResponse"'])).toEqual([decryptMarker]);
    expect(markersIn('credential-resource', [decryptMarker, '"EncryptResponse"', 'GetSecretValue'])).toEqual(['"EncryptResponse"', 'GetSecretValue']);
  });
});
