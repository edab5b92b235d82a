// Runs in a fresh Node process: import one handler bundle, serve one invocation, report timings.
// Plain JS so that loading this driver costs the same for every bundle (no type stripping).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const started = performance.now();
const [bundle, eventJson] = process.argv.slice(2);
// As Lambda's Node.js runtime loads a handler file: require() for .js (no "type": "module"), import() for .mjs.
const mod = bundle.endsWith('.mjs') ? await import(bundle) : createRequire(import.meta.url)(fileURLToPath(bundle));
const imported = performance.now();
const event = JSON.parse(eventJson);
const context = {
  functionName: 'regcred-bench', functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:regcred-bench',
  awsRequestId: event.requestContext?.requestId ?? 'cold', logGroupName: '/aws/lambda/regcred-bench', logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000, callbackWaitsForEmptyEventLoop: false,
};
const result = await mod.handler(event, context);
const done = performance.now();
const cpu = process.cpuUsage();
process.stderr.write(`\nBENCH_RESULT ${JSON.stringify({ bootMs: started, importMs: imported - started, invokeMs: done - imported, totalMs: done - started, processMs: done, cpuMs: (cpu.user + cpu.system) / 1000, statusCode: result.statusCode })}\n`);
process.exit(0);
