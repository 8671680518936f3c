// Types of `lambda-wasm-sdk/aws`: AWS calls signed by the host, and AWS's event-stream framing.

/** The header that asks the host for a signature; the host strips it. */
export const SIGN_HEADER: 'x-lambda-wasm-sign';
/** The largest event-stream message `events` accepts, in bytes. */
export const MAX_MESSAGE_BYTES: number;

/** A failure of `fetch` or `events`: `errorType` is the service's exception type, or `Http.Error`. */
export class AwsError extends Error {
  constructor(errorType: string, message: string);
  readonly errorType: string;
}

/** `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, or `https://<service>.<region>.amazonaws.com`. */
export function endpoint(service: string, region?: string): string;

/** Options of `fetch`. */
export interface AwsFetchOptions {
  region?: string;
  method?: string;
  headers?: HeadersInit;
  body?: BodyInit;
  /** Sent as the body, `content-type: application/json` unless set. */
  json?: unknown;
  /** Milliseconds; the host also clamps every request to the invocation's remaining time. */
  timeout?: number;
}

/** Sends a request to the AWS service `service`, signed by the host with the function's credentials. */
export function fetch(service: string, path: string, options?: AwsFetchOptions): Promise<Response>;

/** One event-stream message. */
export class StreamEvent {
  readonly eventType: string | undefined;
  readonly messageType: string;
  readonly headers: Record<string, unknown>;
  readonly payload: Uint8Array;
  text(): string;
  json(): any;
}

/** The messages of an event-stream response as they arrive; exception messages throw an `AwsError`. */
export function events(response: Response): AsyncGenerator<StreamEvent, void, undefined>;

/** The codec `events` decodes with (`encode` makes messages, for tests). */
export const codec: {
  encode(message: { headers: Record<string, { type: string; value: unknown }>; body: Uint8Array }): Uint8Array;
  decode(bytes: Uint8Array): { headers: Record<string, { type: string; value: unknown }>; body: Uint8Array };
};
