// The local Lambda service: each function of the template runs its own bundle in its own worker
// thread, with exactly the environment the template gives it plus what Lambda itself sets (region,
// the role's credentials, function name, memory...) and the local endpoints. Nothing of this
// process's environment leaks in, so a variable the template lacks is missing here as in Lambda.
// Memory caps the worker's heap; the timeout ends the invocation, and the worker, as Lambda does.
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { LocalFunction } from '../template/world.ts';
import type { InvokeMessage, ResultMessage, WorkerSetup } from './messages.ts';

/** Invocations one function's worker runs at once (further ones wait), like a small pool of warm containers. */
const concurrencyPerFunction = 8;

export class FunctionError extends Error {
  readonly errorType: string;
  constructor(errorType: string, message: string) {
    super(message);
    this.errorType = errorType;
    this.name = 'FunctionError';
  }
}

export interface LocalFunctionRuntime {
  readonly fn: LocalFunction;
  /** Starts the worker now (an init error is kept for the first invocation to report, as Lambda's). */
  warm(): Promise<void>;
  invoke(event: unknown, requestId?: string): Promise<unknown>;
  stop(): Promise<void>;
}

export interface RuntimeEnvironment {
  /** Lambda's own variables and the local endpoints, added to the template's. */
  readonly base: Record<string, string>;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function startFunction(fn: LocalFunction, runtime: RuntimeEnvironment): LocalFunctionRuntime {
  if (!fn.entryFile) throw new Error(`${fn.logicalId}: the local stack runs Node.js bundles only (${fn.runtime})`);
  const entryFile = fn.entryFile;
  const env: Record<string, string> = {
    ...runtime.base,
    ...fn.environment,
    AWS_ACCESS_KEY_ID: runtime.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: runtime.credentials.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
    AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_MAX_CONCURRENCY: String(concurrencyPerFunction),
  };
  // One environment at a time: its worker and the invocations it holds. A timeout or crash ends that
  // environment only; the next invocation boots a fresh one.
  interface Environment {
    readonly worker: Promise<Worker>;
    readonly pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  }
  let current: Environment | undefined;
  let stopped = false;
  let nextId = 0;
  let running = 0;
  const waiting: Array<() => void> = [];

  const retire = (environment: Environment, error: Error) => {
    if (current === environment) current = undefined;
    for (const { reject } of environment.pending.values()) reject(error);
    environment.pending.clear();
  };
  const boot = (): Environment => {
    const pending: Environment['pending'] = new Map();
    let environment: Environment;
    const worker = new Promise<Worker>((ready, failed) => {
      const started = new Worker(new URL('./worker.mjs', import.meta.url), {
        workerData: { entryFile, handlerExport: fn.handlerExport, sourceMaps: /--enable-source-maps/.test(env['NODE_OPTIONS'] ?? '') } satisfies WorkerSetup,
        env,
        resourceLimits: { maxOldGenerationSizeMb: fn.memoryMb },
        stdout: false,
        stderr: false,
      });
      started.on('message', (message: ResultMessage | 'ready') => {
        if (message === 'ready') return ready(started);
        const waiter = pending.get(message.id);
        if (!waiter) return;
        pending.delete(message.id);
        if ('error' in message) waiter.reject(new FunctionError(message.error.errorType, message.error.errorMessage));
        else waiter.resolve(message.result);
      });
      started.once('error', (error) => {
        failed(error);
        retire(environment, new FunctionError('Runtime.ExitError', `${fn.name} crashed: ${error.message}`));
      });
      started.once('exit', () => retire(environment, new FunctionError('Runtime.ExitError', `${fn.name} exited`)));
    });
    environment = { worker, pending };
    return environment;
  };

  const run = async (event: unknown, requestId: string): Promise<unknown> => {
    if (stopped) throw new FunctionError('Runtime.ExitError', `${fn.name} is stopped`);
    current ??= boot();
    const environment = current;
    const worker = await environment.worker.catch((error: Error) => {
      if (current === environment) current = undefined;
      // What Lambda reports when the bundle fails while loading (a missing variable, a bad import).
      throw new FunctionError('Runtime.ImportModuleError', `${fn.name} failed to start: ${error.message}`);
    });
    const id = nextId++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    const message: InvokeMessage = {
      id,
      event,
      context: {
        awsRequestId: requestId,
        functionName: fn.name,
        functionVersion: '$LATEST',
        invokedFunctionArn: fn.arn,
        memoryLimitInMB: String(fn.memoryMb),
        logGroupName: fn.logGroupName,
        logStreamName: env['AWS_LAMBDA_LOG_STREAM_NAME']!,
        deadlineMs: Date.now() + timeoutMs,
      },
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Lambda ends a timed-out environment; so does this (with whatever else it was running).
        environment.pending.delete(id);
        reject(new FunctionError('Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`));
        retire(environment, new FunctionError('Sandbox.Timedout', `${fn.name}: its environment ended when another invocation timed out`));
        void worker.terminate();
      }, timeoutMs);
      environment.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      worker.postMessage(message);
    });
  };

  return {
    fn,
    async warm() {
      current ??= boot();
      const environment = current;
      await environment.worker.catch(() => {
        if (current === environment) current = undefined;
      });
    },
    async invoke(event, requestId = randomUUID()) {
      if (running >= concurrencyPerFunction) await new Promise<void>((go) => waiting.push(go));
      else running++;
      try {
        return await run(event, requestId);
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
    async stop() {
      stopped = true;
      const environment = current;
      current = undefined;
      if (environment) await environment.worker.then((w) => w.terminate()).catch(() => undefined);
    },
  };
}
