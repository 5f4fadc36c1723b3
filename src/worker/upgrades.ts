/**
 * What each worker class does with the app's 'upgrade' listeners.
 *
 * async: upgraded sockets are handed over and stay counted as this worker's connections (they
 * are the same `net.Socket`s), so they count toward `--worker-connections` and the
 * least-connections board until they close.
 *
 * sync: refused. A sync worker runs one request at a time and stops accepting while it does,
 * so a long-lived socket held beside it either starves (its messages wait behind every blocking
 * request) or, if it counted as busy, takes the worker away for the socket's whole life —
 * gunicorn's sync worker cannot serve WebSockets either. An upgrade request is answered
 * `501 Not Implemented` (counted as the refusal `upgrade-needs-async`), and the worker says
 * at boot, and at the first refusal, to run with `-k async`.
 */
import type { Logger } from '../log/logger.js';
import { UPGRADE_NEEDS_ASYNC, type UpgradeHandler } from '../http/upgrade.js';

const HINT = 'the sync worker class cannot hold upgraded (WebSocket) connections and answers upgrade requests 501: run with -k async';

export function upgradesFor(app: UpgradeHandler | undefined, workerClass: 'sync' | 'async', log: Logger): UpgradeHandler | null {
  if (app === undefined) return null;
  if (workerClass === 'async') return app;
  if (app.listening()) log.warn({ workerClass }, `The app listens for 'upgrade': ${HINT}`);
  let told = false;
  return {
    listening: () => {
      const on = app.listening();
      if (on && !told) {
        told = true;
        log.warn({ workerClass, status: 501, reason: UPGRADE_NEEDS_ASYNC.reason }, `Upgrade request refused: ${HINT}`);
      }
      return on;
    },
    upgrade: () => {},
    refusal: UPGRADE_NEEDS_ASYNC,
  };
}
