// Test setup straight over the run's local HTTP API, each answer checked against the OpenAPI document.
import { inject } from 'vitest';
import { expandPath, routes } from '../../functions/contract/routes.ts';
import { checkedFetch } from './openapi-check.ts';

/** Adds a credential and returns its id; anything but a 201 (a 503 included) fails the test. */
export async function apiAdd(project: string, body: Record<string, string>): Promise<string> {
  const { apiUrl } = inject('localStack');
  const response = await checkedFetch(`${apiUrl}${expandPath(routes.addCredential.path, { project })}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`add answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

/** Deletes a credential by id (204). */
export async function apiDelete(project: string, id: string): Promise<void> {
  const { apiUrl } = inject('localStack');
  const response = await checkedFetch(`${apiUrl}${expandPath(routes.deleteCredential.path, { project, id })}`, { method: 'DELETE' });
  await response.body?.cancel();
  if (response.status !== 204) throw new Error(`delete answered ${response.status}`);
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken: string | null;
}

/** Follows nextToken from the first page to the last; `fetchPage` gets null for the first. */
export async function allPages<T>(fetchPage: (nextToken: string | null) => Promise<Page<T>>, maxPages = 100): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let token: string | null = null;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page: Page<T> = await fetchPage(token);
    items.push(...page.items);
    token = page.nextToken;
    if (!token) return { items, pages };
  }
  throw new Error(`more than ${maxPages} pages`);
}
