/** Settings → the engine's options: the one place where HTTP settings reach the engine. */
import type { Settings } from '../config/index.js';
import type { EngineOptions } from './types.js';

/**
 * `sync` workers receive this much of a request body before the request takes the worker, so
 * a client uploading slowly holds only its own connection (see docs/http.md, slow clients).
 */
export const SYNC_BUFFER_BODY_BYTES = 64 * 1024;

/**
 * What `0` means for the `--limit-request-*` settings, as in gunicorn 26 (http/message.py):
 * no limit for the request line (and the body, a tsgun setting), but the largest allowed count
 * (32768) for fields and the default size (8190) for one field: a head is never unbounded.
 */
export const FIELDS_WHEN_ZERO = 32768;
export const FIELD_SIZE_WHEN_ZERO = 8190;

export function engineOptions(settings: Settings): EngineOptions {
  return {
    limits: {
      requestLine: settings.limitRequestLine,
      requestFields: settings.limitRequestFields === 0 ? FIELDS_WHEN_ZERO : settings.limitRequestFields,
      requestFieldSize: settings.limitRequestFieldSize === 0 ? FIELD_SIZE_WHEN_ZERO : settings.limitRequestFieldSize,
      requestBody: settings.limitRequestBody,
    },
    permitObsoleteFolding: settings.permitObsoleteFolding,
    headerMap: settings.headerMap,
    // Sync workers close after each response (gunicorn's sync worker does too): a keep-alive
    // connection would pin its next request to this worker even when another one is idle.
    keepAliveMs: settings.workerClass === 'sync' ? 0 : settings.keepalive * 1000,
    headersTimeoutMs: settings.headerTimeout * 1000,
    bodyTimeoutMs: settings.bodyTimeout * 1000,
    sendTimeoutMs: settings.sendTimeout * 1000,
    bufferBodyBytes: settings.workerClass === 'sync' ? SYNC_BUFFER_BODY_BYTES : 0,
    maxQueueMs: settings.maxQueueTime,
    proxy: {
      forwardedAllowIps: settings.forwardedAllowIps,
      secureSchemeHeaders: settings.secureSchemeHeaders.map(splitHeaderValue),
      proxyProtocol: settings.proxyProtocol,
      proxyAllowFrom: settings.proxyAllowFrom,
    },
  };
}

/** `X-FORWARDED-PROTO=https` → `['X-FORWARDED-PROTO', 'https']` (validated by the settings codec). */
function splitHeaderValue(item: string): readonly [string, string] {
  const eq = item.indexOf('=');
  return [item.slice(0, eq), item.slice(eq + 1)];
}
