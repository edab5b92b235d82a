// Inside one function's worker thread: what the Lambda Node.js runtime does for its bundle. The
// InvokeStore is created first, in its multi-concurrency mode (AWS_LAMBDA_MAX_CONCURRENCY is in this
// worker's environment), so the bundle's own copy finds it on globalThis and each invocation keeps
// its request id apart; then the bundle is imported and each message is one invocation.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

interface Setup {
  readonly entryFile: string;
  readonly handlerExport: string;
  readonly sourceMaps: boolean;
}
export interface InvokeMessage {
  readonly id: number;
  readonly event: unknown;
  readonly context: Record<string, unknown> & { readonly awsRequestId: string; readonly deadlineMs: number };
}
export type ResultMessage = { readonly id: number; readonly result: unknown } | { readonly id: number; readonly error: { errorType: string; errorMessage: string } };

const setup = workerData as Setup;
if (setup.sourceMaps) process.setSourceMapsEnabled(true);
const store = await InvokeStore.getInstanceAsync();
const module = (await import(pathToFileURL(setup.entryFile).href)) as Record<string, unknown>;
const handler = module[setup.handlerExport];
if (typeof handler !== 'function') throw new Error(`${setup.entryFile} exports no function ${setup.handlerExport}`);

parentPort!.on('message', (message: InvokeMessage) => {
  const { deadlineMs, ...fields } = message.context;
  const context = { ...fields, callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()) };
  store
    .run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: message.context.awsRequestId }, () => (handler as (e: unknown, c: unknown) => Promise<unknown>)(message.event, context))
    .then(
      (result) => parentPort!.postMessage({ id: message.id, result } satisfies ResultMessage),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        parentPort!.postMessage({ id: message.id, error: { errorType: e.name, errorMessage: e.message } } satisfies ResultMessage);
      },
    );
});
parentPort!.postMessage('ready');
