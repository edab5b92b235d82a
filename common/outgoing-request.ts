// What a client of the API sends and a signer signs: the CLI (cli/sigv4.ts) and the console
// (console/auth.ts) sign the same request shape.

export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Returns the headers to send: the request's own plus whatever signing adds. */
export type Signer = (request: OutgoingRequest) => Promise<Record<string, string>>;
