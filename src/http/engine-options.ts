/** Settings → the engine's options: the one place where HTTP settings reach the engine. */
import type { Settings } from '../config/index.js';
import type { EngineOptions } from './types.js';

/** What the worker class decides (src/worker-class/): keep-alive and body buffering. */
export type ClassEngineOptions = Pick<EngineOptions, 'keepAliveMs' | 'bufferBodyBytes'>;

/**
 * What `0` means for the `--limit-request-*` settings, as in gunicorn 26 (http/message.py):
 * no limit for the request line (and the body, a tsgun setting), but the largest allowed count
 * (32768) for fields and the default size (8190) for one field: a head is never unbounded.
 */
export const FIELDS_WHEN_ZERO = 32768;
export const FIELD_SIZE_WHEN_ZERO = 8190;

export function engineOptions(settings: Settings, byClass: ClassEngineOptions): EngineOptions {
  return {
    limits: {
      requestLine: settings.limitRequestLine,
      requestFields: settings.limitRequestFields === 0 ? FIELDS_WHEN_ZERO : settings.limitRequestFields,
      requestFieldSize: settings.limitRequestFieldSize === 0 ? FIELD_SIZE_WHEN_ZERO : settings.limitRequestFieldSize,
      requestBody: settings.limitRequestBody,
    },
    permitObsoleteFolding: settings.permitObsoleteFolding,
    headerMap: settings.headerMap,
    keepAliveMs: byClass.keepAliveMs,
    headersTimeoutMs: settings.headerTimeout * 1000,
    bodyTimeoutMs: settings.bodyTimeout * 1000,
    sendTimeoutMs: settings.sendTimeout * 1000,
    bufferBodyBytes: byClass.bufferBodyBytes,
    maxQueueMs: settings.maxQueueTime,
    logsClientAddress: Boolean(settings.accessLogfile),
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
