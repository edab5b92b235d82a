import { createApp } from './regcred-app.ts';

// aws-cdk-lib announces every bundled asset on stderr unconditionally; `npm run synth` is quiet by
// default, so those progress lines are dropped here and anything else still goes through.
const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
  /^Bundling asset \S+\.\.\.\r?\n$/.test(String(chunk)) || write(chunk, ...rest)) as typeof process.stderr.write;

createApp();
