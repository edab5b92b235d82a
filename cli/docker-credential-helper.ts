// The docker credential helper protocol (docker/docker-credential-helpers), spoken by
// `docker-credential-regcred`: the verb in argv, input on stdin, JSON on stdout, and every failure
// as one line on stdout with exit code 1. The not-found text is printed only when the vault has no
// matching credential; clients then carry on without credentials, so an unreachable or refusing
// vault must never look like not-found.
import { parseServer } from '../functions/core/registry.ts';
import { ApiError, isNoCredential } from './client.ts';
import { UsageError } from './config.ts';
import { connect, describeError, Failure, type Connection } from './connect.ts';
import { goJson, sortedMap } from '../common/go-json.ts';
import type { Io } from './io.ts';
import { versionLine } from './version.ts';

const helperName = 'docker-credential-regcred';
const notFoundMessage = 'credentials not found in native keychain';
const missingServerUrl = 'no credentials server URL';
const missingUsername = 'no credentials username';
const usage = `Usage: ${helperName} <store|get|erase|list|version>`;

/** A failure the protocol words itself (docker-credential-helpers' own messages): printed as is. */
class ProtocolFailure extends Error {
  override name = 'ProtocolFailure';
}
const notFound = () => new ProtocolFailure(notFoundMessage);

/** Runs one helper call; returns the exit code. `open` connects with the CLI's settings when a verb needs the vault. */
export async function runHelper(
  argv: readonly string[],
  io: Io,
  version: () => string,
  open: () => Promise<Connection> = () => connect({}),
): Promise<number> {
  if (argv.length !== 1) {
    io.out(`${usage}\n`);
    return 1;
  }
  const verb = argv[0];
  if (verb === 'version' || verb === '--version' || verb === '-v') {
    io.out(`${versionLine(helperName, version())}\n`);
    return 0;
  }
  if (verb === '--help' || verb === '-h') {
    io.out(`${usage}\n`);
    return 0;
  }
  const action = verb ? actions[verb] : undefined;
  if (!action) {
    io.out(`${helperName}: unknown action: ${verb}\n`);
    return 1;
  }
  try {
    const output = await action(io, open);
    if (output !== undefined) io.out(output);
    return 0;
  } catch (error) {
    io.out(`${error instanceof ProtocolFailure ? error.message : `regcred: ${describeError(error)}`}\n`);
    // A mistake in the settings (no project, an empty one): 2, as the CLI and the kubelet provider exit.
    return error instanceof UsageError ? 2 : 1;
  }
}

type Action = (io: Io, open: () => Promise<Connection>) => Promise<string | undefined>;

const actions: Record<string, Action> = {
  async get(io, open) {
    const server = await serverFrom(io);
    const { client, project } = await open();
    try {
      const auth = await client.resolve(project, { server });
      return goJson({ ServerURL: server, Username: auth.username ?? '', Secret: auth.password });
    } catch (error) {
      if (isNoCredential(error)) throw notFound();
      throw error;
    }
  },

  async list(_io, open) {
    const { client, project } = await open();
    const hostLevel = (await client.listAll(project)).filter((item) => !item.registry.includes('/'));
    return goJson(sortedMap(Object.fromEntries(hostLevel.map((item) => [item.server, item.username ?? '']))));
  },

  async store(io, open) {
    const input = parseStoreInput(await io.readStdin());
    const { client, project, helperWrites } = await open();
    const login = { username: input.Username, password: input.Secret };
    try {
      await client.add(project, { server: input.ServerURL, ...login });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409 && error.body?.existingId)) throw error;
      const existingId = error.body.existingId;
      // `docker login` again to a registry the vault holds: in a shared vault that login is the team's,
      // which every pipeline and node resolves, so a personal `docker login` replaces it only by opt-in.
      if (helperWrites !== 'replace') {
        throw new Failure(
          `${input.ServerURL} already has credential ${existingId} in project ${project}; the helper does not replace it. ` +
            `Use \`regcred docker update-credentials ${existingId} --docker-password-stdin\`, or set REGCRED_HELPER_WRITES=replace.`,
        );
      }
      await client.update(project, existingId, login);
    }
    return undefined;
  },

  async erase(io, open) {
    const server = await serverFrom(io);
    const host = hostOf(server);
    const { client, project, helperWrites } = await open();
    const match = (await client.listAll(project)).find((item) => item.registry === host);
    if (!match) throw notFound();
    // `docker logout` would delete the team's credential for everyone: only by opt-in.
    if (helperWrites !== 'replace') {
      throw new Failure(
        `${server} has credential ${match.id} in project ${project}; the helper does not delete it. ` +
          `Use \`regcred docker delete-credentials ${match.id}\`, or set REGCRED_HELPER_WRITES=replace.`,
      );
    }
    try {
      await client.remove(project, match.id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw notFound();
      throw error;
    }
    return undefined;
  },
};

async function serverFrom(io: Io): Promise<string> {
  const server = (await io.readStdin()).trim();
  if (!server) throw new ProtocolFailure(missingServerUrl);
  return server;
}

/** The registry key of a server's host: what a helper's server string can name. */
function hostOf(server: string): string {
  const parsed = parseServer(server);
  if (!parsed.ok) throw new Failure(`the server "${server}" ${parsed.reason}`);
  return parsed.registry.split('/')[0] ?? parsed.registry;
}

interface StoreInput {
  ServerURL: string;
  Username: string;
  Secret: string;
}

function parseStoreInput(text: string): StoreInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Failure('store expects {"ServerURL","Username","Secret"} as JSON on stdin');
  }
  const input = (json && typeof json === 'object' ? json : {}) as Partial<Record<keyof StoreInput, unknown>>;
  const field = (name: keyof StoreInput) => (typeof input[name] === 'string' ? (input[name] as string) : '');
  if (!field('ServerURL')) throw new ProtocolFailure(missingServerUrl);
  if (!field('Username')) throw new ProtocolFailure(missingUsername);
  if (!field('Secret')) throw new Failure('no credentials secret');
  return { ServerURL: field('ServerURL'), Username: field('Username'), Secret: field('Secret') };
}
