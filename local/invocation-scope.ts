// Runs each local invocation in its own Lambda InvokeStore context.
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

// Unlike Lambda's classic one-at-a-time containers, this process interleaves invocations, and the
// Powertools logger keeps per-invocation keys (request id, project) on one instance. Run the way
// Lambda runs concurrent invocations in one environment (Lambda Managed Instances): with
// AWS_LAMBDA_MAX_CONCURRENCY set, the runtime's InvokeStore is backed by AsyncLocalStorage and each
// invocation runs inside its own context, where Powertools keeps that invocation's keys. The store
// is created once per process, by whoever asks first (the SDK asks on its first call), so call this
// before any SDK call.
let scopePromise: Promise<Scope> | undefined;
export function invocationScope(maxConcurrency: number): Promise<Scope> {
  scopePromise ??= (async () => {
    process.env['AWS_LAMBDA_MAX_CONCURRENCY'] = String(maxConcurrency);
    const store = await InvokeStore.getInstanceAsync();
    store.run({}, () => undefined);
    if (store.hasContext()) throw new Error('The InvokeStore was created before AWS_LAMBDA_MAX_CONCURRENCY was set: log keys would mix.');
    return (requestId, invoke) => store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
  })();
  return scopePromise;
}
export type Scope = (requestId: string, invoke: () => Promise<APIGatewayProxyStructuredResultV2>) => Promise<APIGatewayProxyStructuredResultV2>;
