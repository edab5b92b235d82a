// The console in a real headless Chromium against the test run's `npm start` stack: every preset,
// list, rotate, verify, delete, the API's errors beside their fields, keyboard-only use, axe-core,
// and no password in the page, its storage or its responses other than an explicit reveal.
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiAdd } from '../support/api.ts';
import { checkedFetch } from '../support/openapi-check.ts';
import { freePort } from '../support/registry.ts';
import { expectNoTrackedSecret, trackCredential } from '../support/secret-audit.ts';
import { failOnUndeclaredResponses, launch, pageTraces, recordingPage, seriousViolations, type RecordedResponse } from './browser.ts';

const apiUrl = inject('localStack').apiUrl;
const shots = 'test-results/console';
let browser: Browser;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  browser = await launch();
});
afterAll(async () => browser?.close());
failOnUndeclaredResponses();

const project = () => `console-${randomUUID().slice(0, 8)}`;
const secret = (user: string | null, label: string) => trackCredential(user, `console-${label}-${randomUUID()}`);

const googleKey = () =>
  JSON.stringify({
    type: 'service_account',
    project_id: 'demo',
    private_key_id: randomUUID(),
    private_key: `-----BEGIN PRIVATE KEY-----\n${randomUUID()}\n-----END PRIVATE KEY-----\n`,
    client_email: 'reader@demo.iam.gserviceaccount.com',
  });

async function openProject(page: Page, name: string): Promise<void> {
  await page.goto(`${apiUrl}/`);
  await page.getByRole('textbox', { name: 'Project', exact: true }).fill(name);
  await page.getByRole('button', { name: 'Open project' }).click();
  await page.getByRole('heading', { name: `Credentials of ${name}` }).waitFor();
}

interface AddInput {
  readonly preset: string;
  readonly fields?: Record<string, string>;
  readonly username?: string;
  readonly password: string;
  readonly email?: string;
}

async function add(page: Page, input: AddInput): Promise<void> {
  await page.getByLabel('Registry', { exact: true }).selectOption({ label: input.preset });
  for (const [label, value] of Object.entries(input.fields ?? {})) await page.getByLabel(label, { exact: true }).fill(value);
  if (input.username) await page.getByLabel('Username', { exact: true }).fill(input.username);
  if (input.email) await page.getByLabel('Email (optional)', { exact: true }).fill(input.email);
  await page.locator('[name=password]').fill(input.password);
  await page.getByRole('button', { name: 'Add credential' }).click();
}

const statusText = (page: Page) => page.getByRole('status');
/** expect.poll with the page's own 10 s patience (vitest's 1 s default fails a cold first add on a loaded 2-core box). */
const eventually = <T>(fn: () => T) => expect.poll(fn, { timeout: 10_000 });
/** The error line the console links to a field (aria-describedby). */
const errorOf = async (page: Page, field: ReturnType<Page['getByLabel']>) => page.locator(`#${await field.getAttribute('id')}-error`).textContent();
const row = (page: Page, server: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: server, exact: true }) });
/** The text of one column's cell in a server's row, the column found by its header. */
async function cellText(page: Page, server: string, column: string): Promise<string | null> {
  const index = (await page.getByRole('columnheader').allTextContents()).indexOf(column);
  expect(index, `column ${column}`).toBeGreaterThanOrEqual(0);
  return row(page, server).getByRole('cell').nth(index).textContent();
}
const minute = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/;

describe('the console', () => {
  let responses: RecordedResponse[];
  let page: Page;
  let settled: () => Promise<void>;
  const name = project();
  const closedPort = freePort();
  const passwords = {
    hub: secret('hub-user', 'hub'),
    google: trackCredential('_json_key', googleKey()),
    azure: secret('00000000-app-id', 'azure'),
    ecr: secret('AWS', 'ecr'),
    github: secret('octocat', 'github'),
    rotated: secret('octocat', 'rotated'),
  };

  beforeAll(async () => {
    ({ page, responses, settled } = await recordingPage(browser));
    await openProject(page, name);
  });

  it('adds a credential with each registry preset and lists them as the CLI does', async () => {
    const privateServer = `http://127.0.0.1:${await closedPort}/v2/`;
    const privatePassword = secret('me', 'private');
    const cases: [AddInput, string][] = [
      [{ preset: 'Docker Hub', username: 'hub-user', email: 'hub@example.com', password: passwords.hub }, 'https://index.docker.io/v1/'],
      [{ preset: 'Google (Container or Artifact Registry)', fields: { 'Registry host': 'eu.gcr.io' }, password: passwords.google }, 'eu.gcr.io'],
      [{ preset: 'Azure Container Registry', fields: { 'Registry name': 'contoso' }, username: '00000000-app-id', password: passwords.azure }, 'contoso.azurecr.io'],
      [{ preset: 'Amazon ECR', fields: { 'AWS account ID': '123456789012', Region: 'eu-west-1' }, password: passwords.ecr }, '123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
      [{ preset: 'GitHub (ghcr.io)', username: 'octocat', password: passwords.github }, 'ghcr.io'],
      [{ preset: 'Private registry', fields: { 'Server URL': privateServer }, username: 'me', password: privatePassword }, privateServer],
    ];
    for (const [input, server] of cases) {
      await add(page, input);
      await eventually(() => statusText(page).textContent()).toContain(`Added ${server}`);
      await expect(row(page, server).count()).resolves.toBe(1);
    }
    const headers = await page.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['ID', 'SERVER', 'USERNAME', 'EMAIL', 'STATUS', 'CREATED', 'UPDATED', 'ACTIONS']);
    await expect(row(page, 'https://index.docker.io/v1/').textContent()).resolves.toMatch(/hub-userhub@example\.com-/);
    await expect(row(page, 'eu.gcr.io').textContent()).resolves.toContain('_json_key');
    await expect(row(page, '123456789012.dkr.ecr.eu-west-1.amazonaws.com').textContent()).resolves.toContain('AWS');
    await page.screenshot({ path: `${shots}/list.png`, fullPage: true });
  });

  it('verifies a login now (a closed loopback port is unreachable) and asks politely to wait on 429', async () => {
    const server = `http://127.0.0.1:${await closedPort}/v2/`;
    await page.getByRole('button', { name: `Verify ${server}` }).click();
    await eventually(() => statusText(page).textContent()).toContain(`${server}: unreachable`);
    await expect(row(page, server).getByRole('cell', { name: 'unreachable' }).count()).resolves.toBe(1);
    await page.getByRole('button', { name: `Verify ${server}` }).click();
    await eventually(() => statusText(page).textContent()).toMatch(/checked moments ago; you can check it again in \d+ s/);
    await expect(page.getByRole('button', { name: `Verify ${server}` }).isDisabled()).resolves.toBe(true);
  });

  it('rotates a password with If-Match', async () => {
    await expect(cellText(page, 'ghcr.io', 'UPDATED')).resolves.toBe('-');
    await page.getByRole('button', { name: 'Rotate the password of ghcr.io' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the password of ghcr.io' });
    await dialog.getByLabel('New password').fill(passwords.rotated);
    await page.screenshot({ path: `${shots}/rotate.png` });
    await dialog.getByRole('button', { name: 'Rotate password' }).click();
    await eventually(() => statusText(page).textContent()).toBe('Rotated the password of ghcr.io (now version 2).');
    // UPDATED shows the rotation's time where it showed '-' before.
    await eventually(() => cellText(page, 'ghcr.io', 'UPDATED')).toMatch(minute);
    await expect(cellText(page, 'ghcr.io', 'CREATED')).resolves.toMatch(minute);
    const rotate = responses.find((r) => r.url.includes('/docker-credentials/') && r.status === 200 && r.body.includes('"version":2'));
    expect(rotate).toBeDefined();
  });

  it('deletes only after a confirmation that names the server', async () => {
    await page.getByRole('button', { name: 'Delete contoso.azurecr.io' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the credential for contoso.azurecr.io?' });
    await page.screenshot({ path: `${shots}/delete.png` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(row(page, 'contoso.azurecr.io').count()).resolves.toBe(1);
    await page.getByRole('button', { name: 'Delete contoso.azurecr.io' }).click();
    await dialog.getByRole('button', { name: 'Delete contoso.azurecr.io' }).click();
    await eventually(() => statusText(page).textContent()).toBe('Deleted the credential for contoso.azurecr.io.');
    await expect(row(page, 'contoso.azurecr.io').count()).resolves.toBe(0);
  });

  it('shows the consumer snippets, and the pull secret only on an explicit reveal', async () => {
    const snippets = page.locator('pre');
    await expect(snippets.nth(0).textContent()).resolves.toBe(`regcred docker pull-secret --project ${name} | kubectl apply -f -`);
    await expect(page.getByRole('region', { name: 'docker ~/.docker/config.json' }).count()).resolves.toBe(0);
    const text = (await snippets.allTextContents()).join('\n');
    expect(text).toContain('"ghcr.io": "regcred"');
    expect(text).toContain(`value: ${name}`);
    await page.screenshot({ path: `${shots}/consumers.png`, fullPage: true });

    await page.getByRole('button', { name: 'Reveal pull secret' }).click();
    const yaml = await page.getByLabel('Pull secret (contains the passwords)', { exact: true }).textContent();
    expect(yaml).toMatch(/^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: regcred\ntype: kubernetes.io\/dockerconfigjson\ndata:\n {2}.dockerconfigjson: /);
    const config = JSON.parse(Buffer.from(yaml!.split('.dockerconfigjson: ')[1]!.trim(), 'base64').toString('utf8'));
    expect(config.auths['ghcr.io'].password === passwords.rotated).toBe(true);
    await page.getByRole('button', { name: 'Hide pull secret' }).click();
    await expect(page.getByLabel('Pull secret (contains the passwords)', { exact: true }).count()).resolves.toBe(0);
  });

  it('keeps every password out of the page, its storage and every response but the reveal', async () => {
    await settled();
    const reveals = responses.filter((r) => new URL(r.url).pathname.endsWith('/dockerconfigjson'));
    expect(reveals.map((r) => r.status)).toEqual([200]);
    for (const response of responses.filter((r) => !reveals.includes(r))) expectNoTrackedSecret(response.body, `console response ${response.url}`);
    // Each of these was also checked against the OpenAPI document (failOnUndeclaredResponses).
    const api = responses.filter((r) => new URL(r.url).pathname.startsWith('/projects/'));
    expect(new Set(api.map((r) => r.status))).toEqual(new Set([200, 201, 204, 429]));
    expectNoTrackedSecret(await pageTraces(page), 'the console page and its storage');
    await expect(page.evaluate(() => localStorage.getItem('regcred.project'))).resolves.toBe(name);
  });
});

describe('the address of a project', () => {
  it('names the open project (#/projects/<name>); opening that address, or going back, shows that project', async () => {
    const [empty, stocked] = [project(), project()];
    await apiAdd(stocked, { server: 'ghcr.io', username: 'octocat', password: secret('octocat', 'address') });
    const { page } = await recordingPage(browser);
    await openProject(page, empty);
    expect(new URL(page.url()).hash).toBe(`#/projects/${empty}`);

    await page.goto(`${apiUrl}/#/projects/${stocked}`);
    await page.getByRole('heading', { name: `Credentials of ${stocked}` }).waitFor();
    await expect(page.getByRole('textbox', { name: 'Project', exact: true }).inputValue()).resolves.toBe(stocked);
    await expect(row(page, 'ghcr.io').count()).resolves.toBe(1);

    await page.getByRole('textbox', { name: 'Project', exact: true }).fill(empty);
    await page.getByRole('button', { name: 'Open project' }).click();
    await page.getByRole('heading', { name: `Credentials of ${empty}` }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { name: `Credentials of ${stocked}` }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/projects/${stocked}`);

    await page.goto(`${apiUrl}/#/projects/Not_A_Label`);
    await eventually(() => errorOf(page, page.getByRole('textbox', { name: 'Project', exact: true }))).toMatch(/DNS label/);
    await page.context().close();
  });

  it('with no credentials yet, says to add one instead of a kubelet config with an empty matchImages', async () => {
    const { page } = await recordingPage(browser);
    const name = project();
    await openProject(page, name);
    await page.getByText('Add a credential first').waitFor();
    await expect(page.getByLabel('kubelet credential provider', { exact: true }).count()).resolves.toBe(0);
    await expect(page.getByLabel('docker ~/.docker/config.json', { exact: true }).count()).resolves.toBe(0);
    await add(page, { preset: 'GitHub (ghcr.io)', username: 'octocat', password: secret('octocat', 'first') });
    await page.getByLabel('kubelet credential provider', { exact: true }).waitFor();
    await expect(page.getByLabel('kubelet credential provider', { exact: true }).textContent()).resolves.toContain('      - "ghcr.io"');
    await expect(page.getByText('Add a credential first').count()).resolves.toBe(0);
    await page.context().close();
  });
});

describe('paging and verify before saving', () => {
  it('pages through the list with nextToken, at the page size chosen', async () => {
    const { page } = await recordingPage(browser);
    const name = project();
    const servers = Array.from({ length: 12 }, (_, i) => `registry-${String(i).padStart(2, '0')}.example.com`);
    for (const server of servers) {
      const password = secret(null, 'paged');
      const response = await checkedFetch(`${apiUrl}/projects/${name}/docker-credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ server, password }),
      });
      expect(response.status).toBe(201);
    }
    await openProject(page, name);
    await page.getByLabel('Per page', { exact: true }).selectOption('10');
    await eventually(() => statusText(page).textContent()).toBe('10 per page.');
    const shown = () => page.locator('tbody tr').count();
    await expect(shown()).resolves.toBe(10);
    await page.getByRole('button', { name: 'Next page' }).click();
    await eventually(shown).toBe(2);
    await expect(page.getByRole('button', { name: 'Next page' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await eventually(shown).toBe(10);
    await page.context().close();
  });

  it('checks the login first when asked ("verify before saving"), and shows the result as the status', async () => {
    const { page, responses, settled } = await recordingPage(browser);
    await openProject(page, project());
    const server = `http://127.0.0.1:${await freePort()}/v2/`;
    await page.getByLabel('Verify the login with the registry before saving').check();
    await add(page, { preset: 'Private registry', fields: { 'Server URL': server }, username: 'me', password: secret('me', 'verify-first') });
    await eventually(() => statusText(page).textContent()).toContain(`Added ${server}`);
    await expect(row(page, server).getByRole('cell', { name: 'unreachable' }).count()).resolves.toBe(1);
    await settled();
    expect(responses.filter((r) => r.status === 201).map((r) => new URL(r.url).search)).toEqual(['?verify=true']);
    await page.context().close();
  });
});

describe('errors, keyboard and accessibility', () => {
  it('shows the API’s own message next to the field it names', async () => {
    const { page } = await recordingPage(browser);
    await openProject(page, project());
    await add(page, { preset: 'Private registry', fields: { 'Server URL': 'ftp://registry.example.com' }, password: secret(null, 'bad-server') });
    const server = page.getByLabel('Server URL', { exact: true });
    await eventually(() => errorOf(page, server)).toBe('scheme must be http or https');
    await expect(server.getAttribute('aria-invalid')).resolves.toBe('true');

    await add(page, { preset: 'Docker Hub', username: 'a:b', password: secret('a:b', 'colon') });
    const username = page.getByLabel('Username', { exact: true });
    await eventually(() => errorOf(page, username)).toBe('must not contain ":" (docker splits auth on it)');

    await add(page, { preset: 'Google (Container or Artifact Registry)', password: '{"type":"user"}' });
    await expect(errorOf(page, page.getByLabel('Service-account key (JSON)'))).resolves.toBe(
      'must be a Google service-account key: "type" must be "service_account"',
    );
    await page.screenshot({ path: `${shots}/errors.png`, fullPage: true });
    await page.context().close();
  });

  it('refuses a rotation when someone changed the credential since the list (If-Match), with the API\'s message', async () => {
    const { page } = await recordingPage(browser);
    const name = project();
    await openProject(page, name);
    await add(page, { preset: 'GitHub (ghcr.io)', username: 'octocat', password: secret('octocat', 'stale-1') });
    await eventually(() => statusText(page).textContent()).toContain('Added ghcr.io');
    const [item] = ((await (await checkedFetch(`${apiUrl}/projects/${name}/docker-credentials`)).json()) as { items: { id: string }[] }).items;
    const meanwhile = await checkedFetch(`${apiUrl}/projects/${name}/docker-credentials/${item!.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@example.com' }),
    });
    expect(meanwhile.status).toBe(200);
    await page.getByRole('button', { name: 'Rotate the password of ghcr.io' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the password of ghcr.io' });
    await dialog.getByLabel('New password').fill(secret('octocat', 'stale-2'));
    await dialog.getByRole('button', { name: 'Rotate password' }).click();
    await eventually(() => dialog.getByRole('alert').textContent()).toMatch(/version/i);
    await page.keyboard.press('Escape');
    await expect(dialog.count()).resolves.toBe(0);
    await page.context().close();
  });

  it('adds a credential with the keyboard only', async () => {
    const { page } = await recordingPage(browser);
    const name = project();
    await page.goto(`${apiUrl}/`);
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'project');
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Credentials of ${name}` }).waitFor();
    const password = secret('kb-user', 'keyboard');
    const focusedLabel = () => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.labels?.[0]?.textContent ?? document.activeElement?.textContent);
    for (let i = 0; i < 40 && (await focusedLabel()) !== 'Registry'; i++) await page.keyboard.press('Tab');
    expect(await focusedLabel()).toBe('Registry');
    await page.keyboard.press('Tab');
    await page.keyboard.type('kb-user');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    // The focused field shows it: a visible outline, not the browser's default that CSS may hide.
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle + getComputedStyle(document.activeElement!).outlineWidth);
    expect(outline).toBe('solid3px');
    await page.keyboard.press('Enter');
    await eventually(() => statusText(page).textContent()).toContain('Added https://index.docker.io/v1/');
    await page.context().close();
  });

  it('has no serious or critical axe-core violations on its screens', async () => {
    const { page } = await recordingPage(browser, true);
    await openProject(page, project());
    await add(page, { preset: 'GitHub (ghcr.io)', username: 'octocat', password: secret('octocat', 'axe') });
    await eventually(() => statusText(page).textContent()).toContain('Added ghcr.io');
    await page.getByLabel('Registry', { exact: true }).selectOption({ label: 'Google (Container or Artifact Registry)' });
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Delete ghcr.io' }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });
});
