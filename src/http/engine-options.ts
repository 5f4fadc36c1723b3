/** Settings → the engine's options: the one place where HTTP settings reach the engine. */
import type { Settings } from '../config/index.js';
import type { EngineOptions } from './types.js';

/** What the worker class decides (src/worker-class/): keep-alive and body buffering. */
export type ClassEngineOptions = Pick<EngineOptions, 'keepAliveMs' | 'bufferBodyBytes'>;

export function engineOptions(settings: Settings, byClass: ClassEngineOptions): EngineOptions {
  return {
    limits: {
      requestLine: settings.limitRequestLine,
      requestFields: settings.limitRequestFields,
      requestFieldSize: settings.limitRequestFieldSize,
      requestBody: settings.limitRequestBody,
    },
    permitObsoleteFolding: settings.permitObsoleteFolding,
    headerMap: settings.headerMap,
    keepAliveMs: byClass.keepAliveMs,
    headersTimeoutMs: settings.headerTimeout * 1000,
    bodyTimeoutMs: settings.bodyTimeout * 1000,
    bufferBodyBytes: byClass.bufferBodyBytes,
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
