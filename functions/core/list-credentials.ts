import type { CredentialView } from './credential.ts';
import { decodePageToken, encodePageToken } from './page-token.ts';
import type { CredentialLister } from './ports.ts';

export interface ListCredentialsInput {
  readonly project: string;
  readonly limit: number;
  readonly nextToken?: string | undefined;
}

export interface ListCredentialsResult {
  readonly items: readonly CredentialView[];
  readonly nextToken: string | null;
}

export async function listCredentials(
  deps: { readonly store: CredentialLister },
  { project, limit, nextToken }: ListCredentialsInput,
): Promise<ListCredentialsResult> {
  const afterId = nextToken === undefined ? null : decodePageToken(project, nextToken);
  const page = await deps.store.list(project, limit, afterId);
  return { items: page.items, nextToken: page.lastId ? encodePageToken(project, page.lastId) : null };
}
