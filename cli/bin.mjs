#!/usr/bin/env node
// The package's `regcred` bin. regcred is TypeScript run natively: on a Node.js that strips types
// (22.18+, 23.6+) it runs here; on an older one (say a system Node 20 first on PATH) it runs on the
// project's own Node 24, the `node` devDependency that `npm ci` installs.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const entry = new URL('./regcred.ts', import.meta.url);

if (process.features.typescript) {
  await import(entry.href);
} else {
  let projectNode;
  try {
    projectNode = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(
      `error: regcred needs Node.js 22.18 or later (this is ${process.version}); run \`npm ci\` in the regcred checkout, which installs Node 24, or upgrade Node.js.\n`,
    );
    process.exit(2);
  }
  const child = spawnSync(projectNode, [fileURLToPath(entry), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) throw child.error;
  if (child.signal) process.kill(process.pid, child.signal);
  process.exitCode = child.status ?? 1;
}
