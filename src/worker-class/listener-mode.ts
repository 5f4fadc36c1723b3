/**
 * Which accept control a class runtime drives: the master's shared sockets (spare handles), or
 * --reuse-port's own per-worker sockets (worker/reuse-port-accept.ts). The one place the listener
 * mode is chosen; both classes' gates and admission drive either through the same methods.
 */
import { AcceptControl, type AcceptControlOptions } from '../worker/accept-control.js';
import { ReusePortAccept } from '../worker/reuse-port-accept.js';
import type { WorkerClassContext } from './types.js';

export function acceptControlFor(ctx: WorkerClassContext, options: AcceptControlOptions): AcceptControl {
  const control = ctx.reusePort ? new ReusePortAccept(options, ctx.reusePort) : new AcceptControl(options);
  control.expect(ctx.listenerCount);
  return control;
}

/** Start listening on the worker's own sockets when it has them; false: ask the master for its sockets. */
export function listenOwn(control: unknown): boolean {
  if (!(control instanceof ReusePortAccept)) return false;
  control.listen();
  return true;
}
