/** `tsgun ctl COMMAND`: parse, connect, send, print. */
import { runCommand } from '../cli/args.js';
import { ctlCommand, type CtlArgs } from '../cli/args-ctl.js';
import type { MasterStatus, PoolStatsView, WorkerSnapshot } from '../control/protocol.js';
import type { ControlArgs } from '../control/protocol.js';
import { EXIT } from '../errors.js';
import { ControlClient, resolveSocket } from './client.js';
import { formatConfig, formatStats, formatStatus, formatTop, formatWorkers } from './format.js';
import { runTop } from './top.js';
import { verifyControlSocket } from './verify-socket.js';
import { formatDirty } from '../dirty/format.js';
import type { DirtyView } from '../dirty/pool.js';

export interface CtlIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stdout is a terminal (top clears the screen between frames). */
  readonly isTty?: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function requestArgs(args: CtlArgs): ControlArgs {
  switch (args.command) {
    case 'scale':
      return { workers: args.argument };
    case 'kill':
      return { pid: args.argument };
    case 'shutdown':
      return { graceful: args.graceful };
    default:
      return {};
  }
}

// Replies come from our own master, which builds them from the protocol types.
function human(args: CtlArgs, result: unknown): string {
  switch (args.command) {
    case 'status':
      return formatStatus(result as MasterStatus);
    case 'workers':
      return formatWorkers(result as WorkerSnapshot[]);
    case 'stats':
      return formatStats(result as PoolStatsView);
    case 'dirty':
      return formatDirty(result as DirtyView | null);
    case 'dirty-add':
    case 'dirty-remove': {
      const r = result as { from: number; to: number };
      return r.from === r.to ? `dirty workers: ${r.to} (unchanged)` : `dirty workers: ${r.from} → ${r.to}`;
    }
    case 'config':
      return formatConfig(result as Parameters<typeof formatConfig>[0]);
    case 'scale':
    case 'add':
    case 'remove': {
      const r = result as { from: number; to: number };
      return r.from === r.to ? `workers: ${r.to} (unchanged)` : `workers: ${r.from} → ${r.to}`;
    }
    case 'kill':
      return `stopping worker ${args.argument ?? ''}; the master starts a replacement`;
    case 'shutdown':
      return args.graceful ? 'graceful shutdown queued' : 'shutdown queued';
    default:
      return `${args.command} queued`;
  }
}

export async function runCtlCommand(argv: readonly string[], env: Env, io: CtlIo, version: string): Promise<number> {
  const parsed = await runCommand(ctlCommand, argv, version);
  if (parsed.kind !== 'parsed') {
    io.stdout(parsed.output.endsWith('\n') ? parsed.output : `${parsed.output}\n`);
    return EXIT.OK;
  }
  const args = parsed.value;
  const path = resolveSocket(args, env);
  verifyControlSocket(path, env);
  const client = await ControlClient.connect(path);
  try {
    if (args.command === 'top') {
      await runTop(
        client,
        { iterations: args.iterations, intervalMs: args.intervalMs, json: args.json, clear: io.isTty === true },
        io.stdout,
        formatTop,
      );
      return EXIT.OK;
    }
    const result = await client.request(args.command, requestArgs(args));
    io.stdout(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${human(args, result)}\n`);
    return EXIT.OK;
  } finally {
    client.close();
  }
}
