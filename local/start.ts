// `npm start`: the whole API on this machine, no AWS account needed.
import { openApiPath, runSchedulesPath } from './http-server.ts';
import { AlreadyRunningError, localDefaults, startLocalStack, type LocalStack } from './stack.ts';

const port = process.env['PORT'] === undefined ? localDefaults.port : Number(process.env['PORT']);
if (!Number.isInteger(port) || port < 0 || port > 65533) {
  console.error(`PORT must be a port number, got ${process.env['PORT']}`);
  process.exit(2);
}

let stopping = false;
const startedAt = performance.now();
let stack: LocalStack | undefined;
try {
  stack = await startLocalStack({
    home: process.env['REGCRED_HOME'] ?? localDefaults.home,
    port,
    pauseRules: process.env['REGCRED_PAUSE_RULES'] === '1',
    offline: process.env['REGCRED_OFFLINE'] === '1',
    // Better to stop, once and loudly, than to answer 503 for ever without DynamoDB.
    onFailure: (message) => {
      if (stopping) return;
      stopping = true;
      console.error(`regcred: ${message} Stopping; run npm start again.`);
      void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
    },
  });
  const url = `${stack.apiUrl}/projects/demo/docker-credentials`;
  console.log(`
regcred is running (local mode: the synthesised template's ${stack.functions.size} functions under enforced IAM, no AWS account).
Ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s (${stack.synthesised ? 'the app was synthesised first' : 'the synthesised template was cached'}).

  API        ${stack.apiUrl}   (OpenAPI document: ${stack.apiUrl}${openApiPath})
  Console    ${stack.apiUrl}/
  AWS        ${stack.awsEndpoint}   (KMS key ${stack.keyId}, SQS, EventBridge, Secrets Manager, Lambda Invoke)
  DynamoDB   ${stack.dynamoDbEndpoint}   (table ${stack.tableName}, through the IAM gate)
  Keys       ${stack.credentialsFile}   (a profile per grant principal)
  Schedules  curl -X POST ${stack.apiUrl}${runSchedulesPath}   (the daily re-verification, now)

Try it:
  curl -s -X POST ${url} -H 'content-type: application/json' \\
    -d '{"server":"https://index.docker.io/v1/","username":"me","password":"my-token"}'
  curl -s ${url}

Press Ctrl-C to stop.
`);
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping regcred...`);
    await stack?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(error instanceof AlreadyRunningError ? message : `regcred failed to start: ${message}`);
  process.exit(1);
}
