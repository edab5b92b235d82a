// With no endpoint configured, the CLI and the bins use a running `npm start`, found only through
// the lock file it keeps in the regcred home (REGCRED_HOME, else ./.regcred): never a guessed
// address, and only a lock file of this user's, in a directory only this user can write, naming a
// loopback http URL (checkSetting checks the URL). Pure node:fs, so the bins may bundle it.
import { readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './config.ts';

/** The lock file's name in the regcred home; local/stack.ts writes it (a test keeps the two in step). */
export const lockFileName = 'regcred.lock';

/**
 * The local stack's data directory: REGCRED_HOME; else the `.regcred` of a running `npm start`, in
 * the working directory or the nearest parent that has one, else in the checkout this CLI runs from
 * (npm start's default); else .regcred in the working directory.
 */
export function regcredHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const home = env['REGCRED_HOME'];
  if (home === '') throw new UsageError('REGCRED_HOME is set but empty; set it to the local stack\'s data directory or unset it.');
  if (home !== undefined) return resolve(cwd, home);
  return homeCandidates(resolve(cwd)).find((dir) => runningLocalApiUrl(dir) !== undefined) ?? resolve(cwd, '.regcred');
}

function homeCandidates(cwd: string): string[] {
  const homes = [];
  for (let dir = cwd; ; dir = dirname(dir)) {
    homes.push(join(dir, '.regcred'));
    if (dirname(dir) === dir) break;
  }
  // cli/ in a checkout, or dist/ of the package: either way `../.regcred` is where npm start keeps its data.
  homes.push(fileURLToPath(new URL('../.regcred', import.meta.url)));
  return homes;
}

export function noEndpointMessage(home: string): string {
  return (
    'No endpoint configured: pass --endpoint <url>, set REGCRED_ENDPOINT, or save one with `regcred config set endpoint <url>`. ' +
    `Without one, only a running \`npm start\` whose lock file is in ${home} is used (set REGCRED_HOME to its data directory).`
  );
}

/** The API URL of the running local stack whose lock file is in `home`, or undefined. */
export function runningLocalApiUrl(home: string): string | undefined {
  const file = join(home, lockFileName);
  let text: string;
  try {
    if (!ownedPrivately(statSync(home)) || !ownedPrivately(statSync(file))) return undefined;
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { pid, apiUrl } = (lock && typeof lock === 'object' ? lock : {}) as { pid?: unknown; apiUrl?: unknown };
  if (typeof pid !== 'number' || typeof apiUrl !== 'string' || !alive(pid)) return undefined;
  return apiUrl;
}

/** Owned by this user and writable by nobody else (npm start makes the home 0700, the lock 0600). */
function ownedPrivately(stats: Stats): boolean {
  const uid = process.getuid?.();
  return (uid === undefined || stats.uid === uid) && (stats.mode & 0o022) === 0;
}

/** Whether a process of that id runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
