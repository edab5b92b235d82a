// From settings to a ready API client, shared by the CLI and the helper bins. The SigV4 signer and
// the AWS credential chain are loaded only for an endpoint that needs them, so an unsigned call
// (the local stack, a helper run) never pays for them.
import { ApiError, createClient, ProtocolError, UnreachableError, type RegcredClient } from './client.ts';
import { checkSetting, readConfig, resolveSettings, UsageError, type ConfigKey, type HelperWrites } from './config.ts';
import { noEndpointMessage, regcredHome, runningLocalApiUrl } from './local-stack-lock.ts';

export interface ConnectionFlags extends Partial<Record<ConfigKey, string>> {
  readonly sigv4?: boolean;
}

export interface Connection {
  readonly client: RegcredClient;
  readonly project: string;
  /** What the docker credential helper's store and erase may change (config key helper-writes). */
  readonly helperWrites: HelperWrites;
}

/** A failure with a message meant for the user: exit code 1. */
export class Failure extends Error {
  override name = 'Failure';
}

export const missingProject =
  'No project given. Pass --project <name>, set REGCRED_PROJECT, or save a default with `regcred config set project <name>`.';

/** The region of an `https://<api-id>.execute-api.<region>.amazonaws.com` endpoint, if it is one. */
export function executeApiRegion(endpoint: string): string | undefined {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return /^[a-z0-9-]+\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** The configured endpoint, else the API URL of this user's running `npm start` (its lock file), else a usage error. */
export function endpointOf(configured: string | undefined, env: NodeJS.ProcessEnv): string {
  if (configured !== undefined) return configured;
  const home = regcredHome(env);
  const local = runningLocalApiUrl(home);
  if (local === undefined) throw new UsageError(noEndpointMessage(home));
  return checkSetting('endpoint', local);
}

export async function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const settings = resolveSettings(flags, env, readConfig());
  if (!settings.project) throw new UsageError(missingProject);
  const endpoint = endpointOf(settings.endpoint, env);
  const region = executeApiRegion(endpoint) ?? (flags.sigv4 ? settings.region : undefined);
  if (flags.sigv4 && !region) {
    throw new UsageError('--sigv4 needs a region: pass --region, set REGCRED_REGION or AWS_REGION, or run `regcred config set region <region>`.');
  }
  const { project, helperWrites } = settings;
  if (!region) return { client: createClient({ endpoint }), project, helperWrites };
  const { defaultCredentials, signRequest } = await import('./sigv4.ts');
  const credentials = await defaultCredentials();
  const client = createClient({
    endpoint,
    async sign(request) {
      try {
        return await signRequest(request, { region, credentials });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Failure(`No AWS credentials to sign requests to ${endpoint} (${reason}); set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`);
      }
    },
  });
  return { client, project, helperWrites };
}

/** The one-line message for a failure: the API's own words, or what went wrong on the way. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const existingId = error.body?.existingId;
    if (error.body?.error !== 'Conflict' || !existingId) return error.message;
    // A retried add after a 503 that "may have been saved" lands here when the first one was saved.
    const named = error.message.includes(existingId) ? error.message : `${error.message} Existing id: ${existingId}.`;
    return `${named} If an earlier add of it answered 503 "may have been saved", this is that credential: see it with \`regcred docker list-credentials\`, change it with \`regcred docker update-credentials ${existingId}\`.`;
  }
  if (error instanceof UnreachableError || error instanceof ProtocolError || error instanceof Failure || error instanceof UsageError) {
    return error.message;
  }
  return `unexpected failure: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}
