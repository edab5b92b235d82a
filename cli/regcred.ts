#!/usr/bin/env node
// regcred: the command line for the regcred credential vault. See `regcred --help`.
import { run } from './program.ts';

// `regcred docker list-credentials | head -1` closes the pipe early: stop quietly, no stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') process.stderr.write(`error: cannot write the output (${error.code ?? error.message})\n`);
  process.exit(error.code === 'EPIPE' ? (Number(process.exitCode) || 0) : 1);
});

process.exitCode = await run(process.argv.slice(2));
