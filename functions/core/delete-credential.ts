import type { CredentialStore } from './ports.ts';

export async function deleteCredential(
  deps: { readonly store: CredentialStore },
  { project, id }: { readonly project: string; readonly id: string },
): Promise<void> {
  await deps.store.delete(project, id);
}
