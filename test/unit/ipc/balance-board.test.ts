import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BalanceBoard } from '../../../src/ipc/balance-board.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function boards(): { master: BalanceBoard; worker: () => BalanceBoard } {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-board-'));
  dirs.push(dir);
  const path = join(dir, 'board');
  return { master: BalanceBoard.create(path), worker: () => BalanceBoard.open(path) };
}

describe('BalanceBoard', () => {
  it('reports the fewest connections among the other live workers', () => {
    const { master, worker } = boards();
    const [a, b, c] = [worker(), worker(), worker()];
    expect(a.minOthers(0)).toBe(Infinity); // nobody else yet
    a.write(0, 5);
    b.write(1, 2);
    c.write(2, 7);
    expect(a.minOthers(0)).toBe(2);
    expect(b.minOthers(1)).toBe(5); // its own slot does not count
    b.vacate(1); // b stops: it must not hold the others back
    expect(a.minOthers(0)).toBe(7);
    master.vacate(2); // the master reaps c
    expect(a.minOthers(0)).toBe(Infinity);
    for (const board of [a, b, c, master]) board.close();
  });

  it('sees workers in later pages of slots', () => {
    const { master, worker } = boards();
    const [low, high] = [worker(), worker()];
    low.write(0, 3);
    high.write(100, 1);
    expect(low.minOthers(0)).toBe(1);
    expect(high.minOthers(100)).toBe(3);
    for (const board of [low, high, master]) board.close();
  });

  it('ignores a slot whose stamp is stale (a hung worker cannot stall the pool)', () => {
    const { master, worker } = boards();
    const [a, b] = [worker(), worker()];
    a.write(0, 4);
    b.write(1, 0);
    expect(a.minOthers(0)).toBe(0);
    const realNow = Date.now;
    Date.now = () => realNow() + 10_000;
    try {
      expect(a.minOthers(0)).toBe(Infinity);
    } finally {
      Date.now = realNow;
    }
    for (const board of [a, b, master]) board.close();
  });
});
