import { credentialParams } from '../../contract/path-params.ts';
import { routes } from '../../contract/routes.ts';
import { deleteCredential } from '../../core/delete-credential.ts';
import type { CredentialStore } from '../../core/ports.ts';
import { apiHandler, parse } from '../api-handler.ts';
import { noContent } from '../responses.ts';

export function deleteCredentialHandler(deps: { readonly store: CredentialStore }) {
  return apiHandler(routes.deleteCredential, async (event) => {
    await deleteCredential(deps, parse(credentialParams, event.pathParameters));
    return noContent();
  });
}
