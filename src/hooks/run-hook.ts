/**
 * Runs one user hook from the config file. A hook that throws or rejects is logged and
 * otherwise ignored: a bug in a hook must not take the master or a worker down.
 */
import type { Logger } from '../log/logger.js';
import type { HookName, Hooks } from '../config/index.js';

export async function runHook<K extends HookName>(
  hooks: Hooks,
  name: K,
  log: Logger,
  ...args: Parameters<NonNullable<Hooks[K]>>
): Promise<void> {
  const hook = hooks[name] as ((...a: Parameters<NonNullable<Hooks[K]>>) => unknown) | undefined;
  if (!hook) return;
  try {
    await hook(...args);
  } catch (err) {
    log.error({ hook: name, err }, `hook ${String(name)} failed`);
  }
}
