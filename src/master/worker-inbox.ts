/**
 * The master's end of one worker's IPC channel: decodes each message strictly
 * (ipc/decode-worker-message.ts), drops and logs invalid ones — rate-limited, a hostile worker
 * must not flood the error log — and makes sure nothing a worker sends can throw into the master.
 */
import { errorMessage } from '../errors.js';
import type { WorkerMessage } from '../ipc/messages.js';
import { decodeWorkerMessage } from '../ipc/decode-worker-message.js';
import type { Logger } from '../log/logger.js';

/** Log the first few invalid messages of a worker, then every 1000th. */
const LOG_FIRST = 3;
const LOG_EVERY = 1000;

export function workerInbox(
  worker: { readonly age: number; readonly pid: number },
  log: Logger,
  handle: (msg: WorkerMessage) => void,
): (raw: unknown) => void {
  let invalid = 0;
  return (raw) => {
    const decoded = decodeWorkerMessage(raw);
    if (decoded.kind === 'foreign') return;
    if (decoded.kind === 'invalid') {
      invalid++;
      if (invalid <= LOG_FIRST || invalid % LOG_EVERY === 0) {
        log.warn(
          { worker: worker.age, workerPid: worker.pid, reason: decoded.reason, invalidMessages: invalid },
          'Dropped an invalid message from a worker',
        );
      }
      return;
    }
    try {
      handle(decoded.message);
    } catch (err) {
      log.error(
        { worker: worker.age, workerPid: worker.pid, err: errorMessage(err), type: decoded.message.tsgun },
        'Failed to handle a worker message',
      );
    }
  };
}
