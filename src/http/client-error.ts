/**
 * Why the engine refused a request before it reached the app. Thrown inside the parser and
 * caught by the connection, which answers with the status and reports the reason; it never
 * escapes the engine, so it is a plain value (no stack to capture) rather than an Error.
 */
import type { ClientErrorRecord } from './types.js';

export type ClientErrorStatus = ClientErrorRecord['status'];

export class ClientError {
  readonly status: ClientErrorStatus;
  /** Short machine-readable reason, e.g. 'request-line-too-long'. */
  readonly reason: string;

  constructor(status: ClientErrorStatus, reason: string) {
    this.status = status;
    this.reason = reason;
  }
}
