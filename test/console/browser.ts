// One headless Chromium (Debian's package, driven by playwright-core) per test file, and a page that
// records every response body so a test can check none carries a password, and checks every
// response against the OpenAPI document (openapi-check.ts): a file that calls
// `failOnUndeclaredResponses()` fails after each test whose pages got a response the document does
// not declare.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, expect } from 'vitest';
import { responseProblem } from '../support/openapi-check.ts';

export const chromiumPath = '/usr/bin/chromium';

export interface RecordedResponse {
  readonly url: string;
  readonly status: number;
  readonly body: string;
}

const openApiProblems: string[] = [];
const allPending: Promise<void>[] = [];
/** After each test, every response its pages received so far must be declared by the OpenAPI document. */
export function failOnUndeclaredResponses(): void {
  afterEach(async () => {
    await Promise.all(allPending.splice(0));
    expect(openApiProblems.splice(0), 'page responses the OpenAPI document does not declare').toEqual([]);
  });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}

/**
 * A fresh page (own storage) whose responses are all recorded, bodies included. `bypassCSP` lets a
 * test inject axe-core, which the console's content security policy would refuse.
 */
export async function recordingPage(browser: Browser, bypassCSP = false): Promise<{ page: Page; responses: RecordedResponse[]; settled: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const responses: RecordedResponse[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    // Chromium keeps no body for a 204 (text() rejects): an empty body, checked like any other.
    const read = response.text().catch(() => (response.status() === 204 ? '' : undefined)).then(
      (body) => {
        if (body === undefined) return;
        responses.push({ url: response.url(), status: response.status(), body });
        const problem = responseProblem({
          method: response.request().method(),
          path: new URL(response.url()).pathname,
          status: response.status(),
          contentType: response.headers()['content-type'],
          text: body,
        });
        if (problem) openApiProblems.push(problem);
      },
    );
    pending.push(read);
    allPending.push(read);
  });
  return { page, responses, settled: async () => void (await Promise.all(pending)) };
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<{ id: string; targets: string[] }[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, targets: v.nodes.flatMap((n) => n.target) }));
}

/** Everything a page keeps where script or a user could read it later: its HTML and its storage. */
export async function pageTraces(page: Page): Promise<string> {
  return page.evaluate(() => {
    const storage = (s: Storage) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`).join('\n');
    const values = [...document.querySelectorAll('input, textarea')].map((e) => (e as HTMLInputElement).value).join('\n');
    return [document.documentElement.outerHTML, document.body.innerText, values, storage(localStorage), storage(sessionStorage)].join('\n');
  });
}
