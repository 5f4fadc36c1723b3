import { describe, expect, it } from 'vitest';
import { runControlCommand, type MasterControl } from '../../../src/master/control-commands.js';
import type { MasterStatus } from '../../../src/control/protocol.js';

function fakeMaster(): MasterControl & { queued: string[]; target: number; killed: number[] } {
  const m = {
    queued: [] as string[],
    target: 2,
    killed: [] as number[],
    status: (): MasterStatus => ({
      pid: 1,
      version: 't',
      node: 'v20',
      startedAt: 0,
      uptimeSeconds: 0,
      binds: [],
      workerClass: 'sync',
      workers: { target: m.target, running: m.target },
      controlSocket: null,
      metricsUrl: null,
    }),
    workerSnapshots: () => [],
    poolStats: () => {
      throw new Error('not used');
    },
    effectiveConfig: () => {
      throw new Error('not used');
    },
    scale: (n: number) => void (m.target = n),
    command: (cmd: string) => void m.queued.push(cmd),
    killWorker: (pid: number) => {
      if (pid !== 42) return false;
      m.killed.push(pid);
      return true;
    },
  };
  return m;
}

describe('control commands', () => {
  it('queues signal-like commands for the loop and echoes the request id', () => {
    const m = fakeMaster();
    expect(runControlCommand(m, { command: 'reload', id: 3 })).toEqual({ ok: true, id: 3, result: { queued: 'reload' } });
    runControlCommand(m, { command: 'reopen-logs' });
    runControlCommand(m, { command: 'shutdown' });
    runControlCommand(m, { command: 'shutdown', args: { graceful: true } });
    runControlCommand(m, { command: 'add' });
    runControlCommand(m, { command: 'remove' });
    expect(m.queued).toEqual(['HUP', 'USR1', 'INT', 'TERM', 'TTIN', 'TTOU']);
  });

  it('validates arguments: scale takes 1..1024, kill a pid of a running worker', () => {
    const m = fakeMaster();
    expect(runControlCommand(m, { command: 'scale', args: { workers: 5 } })).toEqual({ ok: true, result: { from: 2, to: 5 } });
    expect(runControlCommand(m, { command: 'scale', args: { workers: '3' } })).toEqual({ ok: true, result: { from: 5, to: 3 } });
    for (const workers of [0, -1, 1.5, 5000, 'x', null, undefined]) {
      expect(runControlCommand(m, { command: 'scale', args: { workers } })).toMatchObject({
        ok: false,
        error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST' },
      });
    }
    expect(m.target).toBe(3);
    expect(runControlCommand(m, { command: 'kill', args: { pid: 42 } })).toEqual({ ok: true, result: { queued: 'kill', pid: 42 } });
    expect(runControlCommand(m, { command: 'kill', args: { pid: 43 } })).toMatchObject({
      ok: false,
      error: { code: 'TSGUN_ERR_CTL_FAILED' },
    });
    expect(m.killed).toEqual([42]);
  });

  it('refuses unknown commands, including names inherited from Object.prototype', () => {
    const m = fakeMaster();
    for (const command of ['frobnicate', 'toString', '__proto__', 'constructor']) {
      expect(runControlCommand(m, { command })).toMatchObject({
        ok: false,
        error: { code: 'TSGUN_ERR_CTL_BAD_REQUEST', message: expect.stringContaining('unknown command') },
      });
    }
  });
});
