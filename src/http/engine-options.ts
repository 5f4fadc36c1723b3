/** Settings → the engine's options: the one place where HTTP settings reach the engine. */
import type { Settings } from '../config/index.js';
import type { EngineOptions } from './types.js';

/** Time a client gets to send a whole request head (slowloris guard). */
const HEADERS_TIMEOUT_MS = 10_000;

export function engineOptions(settings: Settings): EngineOptions {
  return {
    limits: {
      requestLine: settings.limitRequestLine,
      requestFields: settings.limitRequestFields,
      requestFieldSize: settings.limitRequestFieldSize,
    },
    // Sync workers close after each response (gunicorn's sync worker does too): a keep-alive
    // connection would pin its next request to this worker even when another one is idle.
    keepAliveMs: settings.workerClass === 'sync' ? 0 : settings.keepalive * 1000,
    headersTimeoutMs: Math.max(settings.keepalive * 1000, HEADERS_TIMEOUT_MS),
  };
}
