// The console's build and its consumer snippets: small enough, and saying what the README says.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.ts';
import { presets } from '../../console/presets.ts';
import { credHelpersSnippet, kubeletProviderConfig, pullSecretCommand } from '../../console/snippets.ts';
import { parseServer } from '../../functions/core/registry.ts';
import { serveConsole } from '../../local/console.ts';
import { httpStub } from '../support/stub-server.ts';

const readme = readFileSync('README.md', 'utf8');
const codeBlocks = [...readme.matchAll(/```(?:json|yaml|sh)\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('the console bundle', () => {
  const site = buildConsole();
  const gzipped = (name: string) => gzipSync(site.get(name)!).length;
  const scripts = [...site.keys()].filter((name) => name.endsWith('.js'));

  it('is at most 100 KB of JavaScript gzipped, the deployed sign-in chunks included', () => {
    const total = scripts.reduce((sum, name) => sum + gzipped(name), 0);
    expect(total).toBeLessThanOrEqual(100 * 1024);
    // Locally only app.js loads (the SigV4 signer is a chunk of its own): keep it well under.
    expect(gzipped('console/app.js')).toBeLessThanOrEqual(40 * 1024);
  });

  it('loads the SigV4 signer only when deployed (a dynamic import)', () => {
    const app = new TextDecoder().decode(site.get('console/app.js'));
    expect(app).toMatch(/import\("\.\/chunk-[\w-]+\.js"\)/);
    expect(app).not.toContain('AWS4-HMAC-SHA256');
    expect(scripts.some((name) => new TextDecoder().decode(site.get(name)).includes('AWS4-HMAC-SHA256'))).toBe(true);
  });
});

describe('the console snippets agree with the README', () => {
  it('credHelpers', () => {
    expect(codeBlocks).toContain(credHelpersSnippet(['docker.io', 'ghcr.io', 'registry.example.com:5000']));
  });

  it('the kubelet CredentialProviderConfig', () => {
    const config = kubeletProviderConfig({
      matchImages: ['docker.io', 'ghcr.io', '*.azurecr.io', 'registry.example.com:5000'],
      project: 'team-a',
      endpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
    });
    expect(codeBlocks).toContain(config);
  });

  it('the pull-secret command', () => {
    expect(codeBlocks.some((block) => block.split('\n').includes(pullSecretCommand({ namespace: 'apps' })))).toBe(true);
  });
});

describe('the registry presets', () => {
  const values = { host: 'eu.gcr.io', azureName: 'Contoso', account: '123456789012', region: 'eu-west-1', server: 'https://registry.example.com:5000/v2/' };
  it.each(presets.map((p) => [p.id, p] as const))('%s makes a server the API accepts', (_, preset) => {
    const parsed = parseServer(preset.server(values));
    expect(parsed.ok).toBe(true);
  });

  it('Azure takes only the registry name, Docker Hub and GitHub nothing', () => {
    const byId = Object.fromEntries(presets.map((p) => [p.id, p]));
    expect(byId['azure']!.server(values)).toBe('contoso.azurecr.io');
    expect(parseServer(byId['dockerhub']!.server({}))).toEqual({ ok: true, registry: 'docker.io' });
    expect(byId['github']!.server({})).toBe('ghcr.io');
    expect(byId['google']!.username).toBe('_json_key');
  });

  it('the Azure name is lowercased in ASCII only, so a Kelvin sign reaches the API and is refused', () => {
    const azure = presets.find((p) => p.id === 'azure')!;
    const server = azure.server({ azureName: '\u212AONTOSO' });
    expect(parseServer(server)).toMatchObject({ ok: false, reason: expect.stringContaining('ASCII') });
  });
});

describe('npm start serves the page with a CSP', () => {
  it('that allows only its own origin and no <base> or form target', async () => {
    const stub = await httpStub((req, res) => {
      if (!serveConsole(req, res, new URL(req.url ?? '/', 'http://127.0.0.1').pathname)) res.writeHead(404).end();
    });
    try {
      const page = await fetch(`${stub.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
    } finally {
      await stub.close();
    }
  });
});
