#!/usr/bin/env node
// regcred: the command line for the regcred credential vault. See `regcred --help`.
import { run } from './program.ts';

process.exitCode = await run(process.argv.slice(2));
