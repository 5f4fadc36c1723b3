/**
 * The complete bytes of the responses the engine writes itself when it refuses a request:
 * a short text/plain body and `Connection: close`. Built once per status, on first use.
 */
import { STATUS_CODES } from 'node:http';

const cache = new Map<number, Buffer>();

export function statusText(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** `${status} ${reason phrase}\n` — what the app-error and client-error bodies say. */
export function errorBody(status: number): string {
  return `${status} ${statusText(status)}\n`;
}

export function errorResponse(status: number): Buffer {
  let bytes = cache.get(status);
  if (bytes === undefined) {
    const body = errorBody(status);
    bytes = Buffer.from(
      `HTTP/1.1 ${status} ${statusText(status)}\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n' +
        '\r\n' +
        body,
      'latin1',
    );
    cache.set(status, bytes);
  }
  return bytes;
}
