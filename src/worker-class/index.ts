/** The one place that picks a worker class by name. */
import type { Settings } from '../config/index.js';
import { asyncClass } from './async.js';
import { syncClass } from './sync.js';
import type { WorkerClass } from './types.js';

const CLASSES = { sync: syncClass, async: asyncClass } as const satisfies Record<Settings['workerClass'], WorkerClass>;

export function workerClassFor(name: Settings['workerClass']): WorkerClass {
  return CLASSES[name];
}

export type { WorkerClass, WorkerClassContext, WorkerClassRuntime, TimeoutFacts, AcceptPathInfo } from './types.js';
