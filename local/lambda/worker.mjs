// Inside one function's worker thread: what the Lambda Node.js runtime does for its bundle. The
// InvokeStore is created first, in its multi-concurrency mode (AWS_LAMBDA_MAX_CONCURRENCY is in this
// worker's environment), so the bundle's own copy finds it on globalThis and each invocation keeps
// its request id apart; then the bundle is imported and each message is one invocation.
// Plain JavaScript, unlike the rest of local/: a .ts entry would load Node's type stripper into
// every worker thread. The messages' types are in messages.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** @type {import('./messages.ts').WorkerSetup} */
const setup = workerData;
if (setup.sourceMaps) process.setSourceMapsEnabled(true);
const store = await InvokeStore.getInstanceAsync();
const module = await import(pathToFileURL(setup.entryFile).href);
const handler = module[setup.handlerExport];
if (typeof handler !== 'function') throw new Error(`${setup.entryFile} exports no function ${setup.handlerExport}`);

parentPort.on('message', (/** @type {import('./messages.ts').InvokeMessage} */ message) => {
  const { deadlineMs, ...fields } = message.context;
  const context = { ...fields, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()) };
  store
    .run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: message.context.awsRequestId }, () => handler(message.event, context))
    .then(
      (result) => parentPort.postMessage({ id: message.id, result }),
      (error) => {
        const e = error instanceof Error ? error : new Error(String(error));
        parentPort.postMessage({ id: message.id, error: { errorType: e.name, errorMessage: e.message } });
      },
    );
});
parentPort.postMessage('ready');
