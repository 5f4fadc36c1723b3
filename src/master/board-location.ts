/**
 * Where the master's balance board lives: `tsgun-<pid>.board` in the private runtime directory
 * (control/private-dir.ts, the one the control socket uses), or, when that directory cannot be
 * used, in a fresh `mkdtemp` directory of its own. Never a predictable name in a shared
 * directory: a local user could plant a symlink there (making a root master overwrite any file)
 * or pre-create the file to steer balancing. Boards of masters that died without cleaning up
 * (SIGKILL) are swept at start.
 */
import { lstatSync, mkdtempSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BalanceBoard } from '../ipc/balance-board.js';
import { currentUid, ensureRuntimeDir } from '../control/private-dir.js';
import { isProcessAlive } from '../process-alive.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';

type Env = Readonly<Record<string, string | undefined>>;

const BOARD_NAME = /^tsgun-(\d+)\.board$/;

/** Remove our own regular-file boards in `dir` whose master is dead; anything else is left alone. */
export function sweepDeadBoards(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let swept = 0;
  for (const name of names) {
    const m = BOARD_NAME.exec(name);
    if (m === null || isProcessAlive(Number(m[1]))) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      // unlink never follows a link; still, only our own files are ours to remove.
      if (st.isFile() && st.uid === currentUid()) {
        unlinkSync(path);
        swept++;
      }
    } catch {
      // Raced with another master sweeping: fine.
    }
  }
  return swept;
}

export interface PlacedBoard {
  readonly board: BalanceBoard;
  /** Close the board and remove its file (and its own directory, if it has one). */
  close(): void;
}

function createIn(dir: string, pid: number): BalanceBoard {
  const path = join(dir, `tsgun-${pid}.board`);
  try {
    return BalanceBoard.create(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Our own directory, our pid: a board left by an earlier master that had this pid.
    unlinkSync(path);
    return BalanceBoard.create(path);
  }
}

export function placeBoard(env: Env, pid: number, log: Logger): PlacedBoard {
  // Boards of dead masters: in the private directory, and in the shared tmpdir where older
  // versions put them (only regular files of ours are removed there).
  sweepDeadBoards(tmpdir());
  try {
    const dir = ensureRuntimeDir(env, 'TSGUN_ERR_CONTROL_SOCKET', 'the balance board goes to a private mkdtemp directory instead');
    sweepDeadBoards(dir);
    const board = createIn(dir, pid);
    return { board, close: () => board.close({ unlink: true }) };
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'Private runtime directory unusable for the balance board: using a private temporary directory');
  }
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-board-'));
  const board = createIn(dir, pid);
  return {
    board,
    close: () => {
      board.close({ unlink: true });
      try {
        rmdirSync(dir);
      } catch {
        // Not empty or gone: leave it.
      }
    },
  };
}
