/**
 * What each control-socket command does, as one table over a narrow view of the master.
 * Read commands answer from the master's current state; commands that change something only
 * queue work for the master's loop (as a signal would) and answer with what was queued.
 */
import { TsgunError } from '../errors.js';
import type {
  ControlArgs,
  ControlCommand,
  ControlReply,
  ControlRequest,
  MasterStatus,
  PoolStatsView,
  ScaleResult,
  WorkerSnapshot,
} from '../control/protocol.js';
import type { Settings } from '../config/index.js';
import { dirtyStats, type DirtyControl } from '../dirty/views.js';

/** The part of the master the control socket may use. */
export interface MasterControl {
  status(): MasterStatus;
  workerSnapshots(): WorkerSnapshot[];
  poolStats(): PoolStatsView;
  effectiveConfig(): EffectiveConfig;
  /** Set the target worker count (the loop spawns or retires). */
  scale(n: number): void;
  /** Queue a command for the loop, as a signal does. */
  command(cmd: 'TERM' | 'INT' | 'HUP' | 'TTIN' | 'TTOU' | 'USR1'): void;
  /** Queue a graceful stop of one worker (the loop replaces it); false if no such worker. */
  killWorker(pid: number): boolean;
  /** The dirty pool, when there is one (ctl dirty, dirty-add, dirty-remove). */
  readonly dirty?: DirtyControl | undefined;
}

export interface EffectiveConfig {
  readonly app: string | undefined;
  readonly configFile: string | undefined;
  readonly settings: Settings;
  /** Names of the hooks the config file sets. */
  readonly hooks: readonly string[];
}

/** Upper bound for `scale`: a typo (`scale 1000000`) must not fork-bomb the host. */
const MAX_WORKERS = 1024;

type Handler = (master: MasterControl, args: ControlArgs) => unknown;

function intArg(args: ControlArgs, name: string, min: number, max: number): number {
  const raw = args[name];
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new TsgunError('TSGUN_ERR_CTL_BAD_REQUEST', `"${name}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

function scaleTo(master: MasterControl, to: number): ScaleResult {
  const from = master.status().workers.target;
  master.scale(to);
  return { from, to: Math.max(1, to) };
}

const HANDLERS: Readonly<Record<ControlCommand, Handler>> = {
  status: (m) => m.status(),
  workers: (m) => m.workerSnapshots(),
  stats: (m) => (m.dirty ? { ...m.poolStats(), dirty: dirtyStats(m.dirty.view()) } : m.poolStats()),
  config: (m) => m.effectiveConfig(),
  scale: (m, args) => scaleTo(m, intArg(args, 'workers', 1, MAX_WORKERS)),
  add: (m) => {
    const from = m.status().workers.target;
    m.command('TTIN');
    return { from, to: from + 1 } satisfies ScaleResult;
  },
  remove: (m) => {
    const from = m.status().workers.target;
    m.command('TTOU');
    return { from, to: Math.max(1, from - 1) } satisfies ScaleResult;
  },
  reload: (m) => {
    m.command('HUP');
    return { queued: 'reload' };
  },
  'reopen-logs': (m) => {
    m.command('USR1');
    return { queued: 'reopen-logs' };
  },
  shutdown: (m, args) => {
    const graceful = args['graceful'] === true;
    m.command(graceful ? 'TERM' : 'INT');
    return { queued: graceful ? 'graceful shutdown' : 'quick shutdown' };
  },
  kill: (m, args) => {
    const pid = intArg(args, 'pid', 1, 2 ** 31 - 1);
    if (!m.killWorker(pid)) throw new TsgunError('TSGUN_ERR_CTL_FAILED', `no running worker has pid ${pid}`);
    return { queued: 'kill', pid };
  },
  dirty: (m) => m.dirty?.view() ?? null,
  'dirty-add': (m) => dirtyPool(m).scale(1),
  'dirty-remove': (m) => dirtyPool(m).scale(-1),
};

function dirtyPool(m: MasterControl): DirtyControl {
  if (!m.dirty) throw new TsgunError('TSGUN_ERR_CTL_FAILED', 'this server has no dirty pool (--dirty-workers is 0)');
  return m.dirty;
}

function isCommand(name: string): name is ControlCommand {
  return Object.hasOwn(HANDLERS, name);
}

export function runControlCommand(master: MasterControl, request: ControlRequest): ControlReply {
  const id = request.id === undefined ? {} : { id: request.id };
  if (!isCommand(request.command)) {
    return {
      ok: false,
      ...id,
      error: {
        code: 'TSGUN_ERR_CTL_BAD_REQUEST',
        message: `unknown command "${request.command}"; known: ${Object.keys(HANDLERS).join(', ')}`,
      },
    };
  }
  try {
    return { ok: true, ...id, result: HANDLERS[request.command](master, request.args ?? {}) };
  } catch (err) {
    if (err instanceof TsgunError) return { ok: false, ...id, error: { code: err.code, message: err.message } };
    throw err;
  }
}
