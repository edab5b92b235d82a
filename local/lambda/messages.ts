// What npm start's main thread and a function's worker thread (worker.mjs) send each other.
export interface WorkerSetup {
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
