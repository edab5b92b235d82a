// Test setup straight over the run's local HTTP API.
import { inject } from 'vitest';
import { expandPath, routes } from '../../functions/contract/routes.ts';

/** Adds a credential and returns its id. A 503 (the local stack overloaded by the parallel suite) wrote nothing: retried. */
export async function apiAdd(project: string, body: Record<string, string>): Promise<string> {
  const { apiUrl } = inject('localStack');
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${apiUrl}${expandPath(routes.addCredential.path, { project })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status === 503 && attempt < 4) {
      await response.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      continue;
    }
    const text = await response.text();
    if (response.status !== 201) throw new Error(`add answered ${response.status}: ${text}`);
    return (JSON.parse(text) as { id: string }).id;
  }
}

/** Deletes a credential by id (204). */
export async function apiDelete(project: string, id: string): Promise<void> {
  const { apiUrl } = inject('localStack');
  const response = await fetch(`${apiUrl}${expandPath(routes.deleteCredential.path, { project, id })}`, { method: 'DELETE' });
  await response.body?.cancel();
  if (response.status !== 204) throw new Error(`delete answered ${response.status}`);
}
