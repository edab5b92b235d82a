// The regcred command line: `docker add-credentials | list-credentials | delete-credentials` as in
// the seed CLI, its successor's `update-credentials` and `verify-credentials`, the read side
// (`docker get-credentials | pull-secret | config-json`), plus `config`. Errors become exit codes in
// run(): 1 the API refused or failed, 2 usage.
import { Command, CommanderError, Option } from 'commander';
import { credentialId, type AddCredentialRequest } from '../functions/contract/schemas.ts';
import { ApiError, isNoCredential, type RegcredClient } from './client.ts';
import { checkSetting, configPath, parseConfigKey, readConfig, UsageError, writeConfig } from './config.ts';
import { connect as connectWith, describeError, Failure } from './connect.ts';
import { defaultHome, tailEvents } from './events.ts';
import { processIo, type Io } from './io.ts';
import { defaultSecretName, pullSecret, pullSecretYaml } from './pull-secret.ts';
import { PromptCancelled } from './prompt.ts';
import { versionLine } from './version.ts';
import { credentialTable } from './table.ts';
import { terminalJson, terminalSafe } from './terminal.ts';

interface GlobalOptions {
  project?: string;
  endpoint?: string;
  region?: string;
  sigv4?: boolean;
}


/** Runs the CLI and returns the exit code; never throws, never prints a stack trace. */
export async function run(argv: readonly string[], rawIo: Io = processIo): Promise<number> {
  // The one place output leaves the CLI: nothing a server sent reaches the terminal raw.
  const io: Io = { ...rawIo, out: (text) => rawIo.out(terminalSafe(text)), err: (text) => rawIo.err(terminalSafe(text)) };
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n`);
      return 2;
    }
    io.err(`error: ${describeError(error)}\n`);
    return 1;
  }
}

/** commander quotes a mistyped `--docker-pasword=value` whole; the value may be a password. */
function withoutOptionValues(text: string): string {
  return text.replace(/'(-[^'=\s]*)=.*'/g, "'$1=…'");
}

function buildProgram(io: Io): Command {
  const program = new Command('regcred')
    .description('Store, list, delete and use container-registry credentials in a regcred vault.')
    .version(versionLine('regcred'), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(withoutOptionValues(text)) })
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage and an example)')
    .option('--project <name>', 'project the credentials belong to (env REGCRED_PROJECT)')
    .option('--endpoint <url>', 'regcred API base URL (env REGCRED_ENDPOINT; without one, a running npm start found through its lock file in REGCRED_HOME, default ./.regcred)')
    .option('--region <region>', 'AWS region for SigV4 with --sigv4 (env REGCRED_REGION or AWS_REGION)')
    .option('--sigv4', 'sign requests with SigV4 (automatic for *.execute-api.<region>.amazonaws.com)')
    .addHelpText(
      'after',
      `
Settings come from the flag, else the environment, else ${configPath()}, else the default.

Example:
  $ regcred config set project demo
  $ regcred docker add-credentials --docker-server https://index.docker.io/v1/ --docker-username me --docker-password-stdin < token.txt
  $ regcred docker list-credentials`,
    );

  const docker = program.command('docker').description('manage the project’s container-registry credentials');
  docker.addHelpText('after', '\nExample:\n  $ regcred docker list-credentials --project demo');

  docker
    .command('add-credentials')
    .description('store a registry credential and print its ID')
    .requiredOption('--docker-server <server>', 'registry server, e.g. https://index.docker.io/v1/, gcr.io, myreg.azurecr.io')
    .option('--docker-username <username>', 'registry username (optional)')
    .option('--docker-email <email>', 'email address (optional)')
    .option('--docker-password <password>', 'registry password or token (prefer --docker-password-stdin)')
    .option('--docker-password-stdin', 'read the password from standard input; one trailing newline is trimmed')
    .option('--verify', 'check the login against the registry first (as docker login does); refuse it if the registry does')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Example:
  $ regcred docker add-credentials --docker-server gcr.io --docker-username _json_key \\
      --docker-email me@example.com --docker-password-stdin --verify < keyfile.json`,
    )
    .action(async (options: AddOptions, command: Command) => {
      // On a terminal with no password given, ask for it (after the settings are known to be complete), as docker login does.
      const prompt = options.dockerPassword === undefined && !options.dockerPasswordStdin ? io.promptSecret : undefined;
      const given = prompt ? undefined : await passwordFrom(options, io);
      const { client, project } = await connect(command);
      const request: AddCredentialRequest = {
        server: options.dockerServer,
        password: given ?? (await promptedPassword(prompt!)),
        ...(options.dockerUsername !== undefined && { username: options.dockerUsername }),
        ...(options.dockerEmail !== undefined && { email: options.dockerEmail }),
      };
      const created = await client.add(project, request, { verify: options.verify === true });
      io.out(options.output === 'json' ? `${terminalJson(created)}\n` : `${created.id}\n`);
    });

  docker
    .command('update-credentials')
    .description('change the password, username or email of a credential in place (same ID, new version)')
    .argument('<id>', 'credential ID')
    .option('--docker-username <username>', 'new registry username')
    .option('--docker-email <email>', 'new email address')
    .option('--docker-password <password>', 'new password or token (prefer --docker-password-stdin)')
    .option('--docker-password-stdin', 'read the new password from standard input; one trailing newline is trimmed')
    .option('--if-version <version>', 'update only if the credential is still at this version (from list -o json)')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  $ regcred docker update-credentials 0193c2a4-5b6e-7c8d-9e0f-112233445566 --docker-password-stdin < token.txt')
    .action(async (id: string, options: UpdateOptions, command: Command) => {
      checkId(id);
      const changesPassword = options.dockerPassword !== undefined || options.dockerPasswordStdin === true;
      if (!changesPassword && options.dockerUsername === undefined && options.dockerEmail === undefined) {
        throw new UsageError('Nothing to change: give --docker-password-stdin, --docker-password, --docker-username or --docker-email.');
      }
      const ifMatch = options.ifVersion === undefined ? undefined : Number(options.ifVersion);
      if (ifMatch !== undefined && !(Number.isInteger(ifMatch) && ifMatch >= 1)) throw new UsageError('--if-version must be a whole number from 1.');
      const password = changesPassword ? await passwordFrom(options, io) : undefined;
      const { client, project } = await connect(command);
      const request = {
        ...(password !== undefined && { password }),
        ...(options.dockerUsername !== undefined && { username: options.dockerUsername }),
        ...(options.dockerEmail !== undefined && { email: options.dockerEmail }),
      };
      const updated = await notFoundNamed(id, project, () => client.update(project, id, request, ifMatch === undefined ? {} : { ifMatch }));
      io.out(options.output === 'json' ? `${terminalJson(updated)}\n` : `Updated credential ${id} (version ${updated.version}).\n`);
    });

  docker
    .command('verify-credentials')
    .description('check a stored login against its registry, as docker login does; exit 1 unless it is valid')
    .argument('<id>', 'credential ID')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  $ regcred docker verify-credentials 0193c2a4-5b6e-7c8d-9e0f-112233445566')
    .action(async (id: string, options: { output: string }, command: Command) => {
      checkId(id);
      const { client, project } = await connect(command);
      const result = await notFoundNamed(id, project, () => client.verify(project, id));
      io.out(options.output === 'json' ? `${terminalJson(result)}\n` : `${result.status}: ${result.detail}\n`);
      if (result.status !== 'valid') throw new Failure(`Credential ${id} is ${result.status} (${result.detail}).`);
    });

  docker
    .command('list-credentials')
    .description('list the project’s credentials (never their passwords)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Example:
  $ regcred docker list-credentials --project demo
  $ regcred docker list-credentials -o json | jq -r '.[] | select(.registry == "docker.io") | .id'`,
    )
    .action(async (options: { output: string }, command: Command) => {
      const { client, project } = await connect(command);
      const items = await client.listAll(project);
      io.out(options.output === 'json' ? `${terminalJson(items)}\n` : credentialTable(items));
    });

  docker
    .command('delete-credentials')
    .description('delete a credential by the ID list-credentials shows')
    .argument('<id>', 'credential ID')
    .addHelpText('after', '\nExample:\n  $ regcred docker delete-credentials 0193c2a4-5b6e-7c8d-9e0f-112233445566')
    .action(async (id: string, _options: unknown, command: Command) => {
      checkId(id);
      const { client, project } = await connect(command);
      await notFoundNamed(id, project, () => client.remove(project, id));
      io.out(`Deleted credential ${id}.\n`);
    });

  docker
    .command('get-credentials')
    .description('print the credential an image pulls with (the most specific one), password included')
    .argument('<image>', 'image reference, e.g. nginx, ghcr.io/org/app:1.2 or localhost:5000/app@sha256:…')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Example:
  $ regcred docker get-credentials ghcr.io/org/app:1.2
  $ regcred docker get-credentials nginx -o json | jq -r .password | docker login -u me --password-stdin`,
    )
    .action(async (image: string, options: { output: string }, command: Command) => {
      const { client, project } = await connect(command);
      let auth;
      try {
        auth = await client.resolve(project, { image });
      } catch (error) {
        if (isNoCredential(error)) throw new Failure(`No credential in project ${project} matches ${image}.`);
        throw error;
      }
      if (options.output === 'json') {
        io.out(`${terminalJson(auth)}\n`);
        return;
      }
      const fields = [
        ['registry', auth.registry], ['image', auth.image ?? ''], ['server', auth.server], ['credential', auth.credentialId],
        ['username', auth.username ?? ''], ['email', auth.email ?? ''], ['password', auth.password],
      ];
      io.out(fields.map(([key, value]) => `${`${key}:`.padEnd(12)}${value}`.trimEnd()).join('\n') + '\n');
    });

  docker
    .command('pull-secret')
    .description('print a Kubernetes image pull secret holding every credential of the project')
    .option('--name <name>', 'the Secret’s name', defaultSecretName)
    .option('--namespace <namespace>', 'the Secret’s namespace (default: kubectl’s current one)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .addHelpText(
      'after',
      `
Example:
  $ regcred docker pull-secret --namespace apps | kubectl apply -f -
  then in a pod spec: imagePullSecrets: [{ name: regcred }]`,
    )
    .action(async (options: { name: string; namespace?: string; output: string }, command: Command) => {
      const { client, project } = await connect(command);
      const secret = pullSecret(await client.dockerConfigJson(project), options);
      io.out(options.output === 'json' ? `${terminalJson(secret)}\n` : pullSecretYaml(secret));
    });

  docker
    .command('config-json')
    .description('print every credential of the project as a docker config.json {"auths": …} object')
    .addHelpText(
      'after',
      `
Example:
  $ regcred docker config-json > "\${authfile:=$(mktemp)}"    # passwords: into a new file only you can read
  $ skopeo inspect --authfile "$authfile" docker://ghcr.io/org/app:1.2; rm -f "$authfile"`,
    )
    .action(async (_options: unknown, command: Command) => {
      const { client, project } = await connect(command);
      io.out(`${terminalJson(await client.dockerConfigJson(project))}\n`);
    });

  const events = program.command('events').description('credential change events of the local stack (`npm start`)');
  events.addHelpText('after', '\nExample:\n  $ regcred events tail -f');
  events
    .command('tail')
    .description('print the events `npm start` published (REGCRED_HOME/events.ndjson); deployed stacks publish to EventBridge')
    .option('-f, --follow', 'keep printing events as they arrive (Ctrl-C to stop)')
    .option('--home <dir>', 'the local stack\'s data directory (env REGCRED_HOME; default: the running npm start\'s .regcred, here or above, or in this checkout)')
    .addOption(outputOption())
    .addHelpText('after', '\nExample:\n  $ regcred events tail -f --home .regcred\n  $ regcred events tail -o json | jq .detail.data')
    .action(async (options: { follow?: boolean; home?: string; output: 'text' | 'json' }) => {
      if (options.home === '') throw new UsageError('--home is empty (an unset shell variable?); give the local stack\'s data directory or leave the option out.');
      await tailEvents(io, { home: options.home ?? defaultHome(), follow: options.follow ?? false, output: options.output });
    });

  const config = program.command('config').description(`read and write the config file (${configPath()})`);
  config.addHelpText('after', '\nExample:\n  $ regcred config set project demo\n  $ regcred config list');
  config
    .command('set')
    .description('save a default: project, endpoint, region or helper-writes (add or replace: may docker login/logout replace or delete a credential)')
    .argument('<key>', 'project, endpoint, region or helper-writes')
    .argument('<value>', 'the value')
    .addHelpText('after', '\nExample:\n  $ regcred config set endpoint https://abc123.execute-api.eu-west-1.amazonaws.com')
    .action((key: string, value: string) => {
      const name = parseConfigKey(key);
      writeConfig({ ...readConfig(), [name]: checkSetting(name, value) });
    });
  config
    .command('get')
    .description('print a saved value (exit 1 when it is not set)')
    .argument('<key>', 'project, endpoint, region or helper-writes')
    .addHelpText('after', '\nExample:\n  $ regcred config get project')
    .action((key: string) => {
      const name = parseConfigKey(key);
      const value = readConfig()[name];
      if (value === undefined) throw new Failure(`${name} is not set in ${configPath()}.`);
      io.out(`${value}\n`);
    });
  config
    .command('unset')
    .description('remove a saved value')
    .argument('<key>', 'project, endpoint, region or helper-writes')
    .addHelpText('after', '\nExample:\n  $ regcred config unset region')
    .action((key: string) => {
      const name = parseConfigKey(key);
      const { [name]: _removed, ...rest } = readConfig();
      writeConfig(rest);
    });
  config
    .command('list')
    .description('print every saved value as key=value')
    .addHelpText('after', '\nExample:\n  $ regcred config list')
    .action(() => {
      for (const [key, value] of Object.entries(readConfig())) io.out(`${key}=${value}\n`);
    });

  return program;
}

interface PasswordOptions {
  dockerPassword?: string;
  dockerPasswordStdin?: boolean;
}

interface AddOptions extends PasswordOptions {
  dockerServer: string;
  dockerUsername?: string;
  dockerEmail?: string;
  verify?: boolean;
  output: string;
}

interface UpdateOptions extends PasswordOptions {
  dockerUsername?: string;
  dockerEmail?: string;
  ifVersion?: string;
  output: string;
}

function checkId(id: string): void {
  if (!credentialId.safeParse(id).success) throw new UsageError(`"${id}" is not a credential ID (a UUID, as list-credentials shows).`);
}

/** Runs a call on one credential; the API's 404 becomes a message naming the id and project. */
async function notFoundNamed<T>(id: string, project: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.body?.error === 'NotFound') {
      throw new ApiError(404, `Credential ${id} not found in project ${project}.`, error.body);
    }
    throw error;
  }
}

function outputOption(): Option {
  return new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text');
}

async function promptedPassword(prompt: (text: string) => Promise<string>): Promise<string> {
  const password = await prompt('Password: ').catch((error: unknown) => {
    throw error instanceof PromptCancelled ? new UsageError(error.message) : error;
  });
  if (!password) throw new UsageError('No password entered.');
  return password;
}

async function passwordFrom(options: PasswordOptions, io: Io): Promise<string> {
  if (options.dockerPassword !== undefined && options.dockerPasswordStdin) {
    throw new UsageError('Give either --docker-password or --docker-password-stdin, not both.');
  }
  if (options.dockerPasswordStdin) {
    const password = (await io.readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--docker-password-stdin read an empty password from standard input.');
    return password;
  }
  if (options.dockerPassword === undefined) {
    throw new UsageError('A password is required: pipe it to --docker-password-stdin, pass --docker-password <password>, or run on a terminal to be asked for it.');
  }
  if (!options.dockerPassword) throw new UsageError('--docker-password must not be empty.');
  io.err('warning: --docker-password leaves the password in shell history and the process list; use --docker-password-stdin.\n');
  return options.dockerPassword;
}

function connect(command: Command): Promise<{ client: RegcredClient; project: string }> {
  return connectWith(command.optsWithGlobals<GlobalOptions>());
}
