/**
 * The balance board: a small file shared by the master and its async workers, one slot per
 * worker holding its open-connection count and a freshness stamp. An async worker reads it on
 * every accept and close (one pread of a few KB, about a microsecond) and keeps accepting only
 * while it is among the least loaded. That is what spreads a burst of keep-alive connections
 * evenly: without it, the worker that wakes first accepts most of the burst (libuv accepts in
 * a loop) and the rest idle for the connections' lifetime.
 *
 * A slot is live only while its stamp is fresh, so a hung or dead worker (stale stamp) cannot
 * make the others stop accepting. Plain pread/pwrite of 8-byte records: a torn read is
 * harmless (the next read corrects it), and no locking is needed.
 */
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';

/** Slots in the file (workers beyond this many simply don't take part in balancing). */
export const BOARD_SLOTS = 512;
const RECORD = 8;
/** Slots read per pread. */
const PAGE_SLOTS = 64;
const VACANT = 0xffffffff;
/** A slot whose stamp is older than this is ignored (heartbeats refresh it every second). */
const FRESH_MS = 3000;

function stampNow(): number {
  // Milliseconds, wrapped to 32 bits; only differences within seconds matter.
  return Date.now() % 0x100000000;
}

function age(stamp: number, now: number): number {
  return (now - stamp + 0x100000000) % 0x100000000;
}

export class BalanceBoard {
  readonly #fd: number;
  readonly #path: string;
  readonly #record = Buffer.alloc(RECORD);
  readonly #all = Buffer.alloc(BOARD_SLOTS * RECORD);

  private constructor(fd: number, path: string) {
    this.#fd = fd;
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /**
   * Master: create the file with every slot vacant. Exclusively and without following a link
   * (O_EXCL | O_NOFOLLOW): an existing file or a planted symlink is an error, never opened.
   */
  static create(path: string): BalanceBoard {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    const vacant = Buffer.alloc(BOARD_SLOTS * RECORD);
    for (let i = 0; i < BOARD_SLOTS; i++) vacant.writeUInt32LE(VACANT, i * RECORD);
    writeSync(fd, vacant, 0, vacant.length, 0);
    return new BalanceBoard(fd, path);
  }

  /** Worker: open the master's file (the path it was given at boot), refusing links and non-files. */
  static open(path: string): BalanceBoard {
    const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error(`${path} is not a regular file`);
    }
    return new BalanceBoard(fd, path);
  }

  /** This worker's slot now holds `connections`. */
  write(slot: number, connections: number): void {
    if (slot < 0 || slot >= BOARD_SLOTS) return;
    this.#record.writeUInt32LE(connections, 0);
    this.#record.writeUInt32LE(stampNow(), 4);
    writeSync(this.#fd, this.#record, 0, RECORD, slot * RECORD);
  }

  /** The slot no longer takes connections (worker stopping, or reaped by the master). */
  vacate(slot: number): void {
    if (slot < 0 || slot >= BOARD_SLOTS) return;
    this.#record.writeUInt32LE(VACANT, 0);
    this.#record.writeUInt32LE(0, 4);
    writeSync(this.#fd, this.#record, 0, RECORD, slot * RECORD);
  }

  /**
   * The fewest connections held by any other live worker (Infinity when there is none).
   * Slots are handed out lowest first, so it reads page by page and stops at the first page
   * with no worker in it: usually one 512-byte read.
   */
  minOthers(slot: number): number {
    const now = stampNow();
    let min = Infinity;
    for (let page = 0; page < BOARD_SLOTS; page += PAGE_SLOTS) {
      const bytes = PAGE_SLOTS * RECORD;
      const read = readSync(this.#fd, this.#all, page * RECORD, bytes, page * RECORD);
      let occupied = false;
      for (let off = page * RECORD, end = page * RECORD + read; off + RECORD <= end; off += RECORD) {
        const count = this.#all.readUInt32LE(off);
        if (count === VACANT) continue;
        occupied = true;
        if (off === slot * RECORD || count >= min) continue;
        if (age(this.#all.readUInt32LE(off + 4), now) > FRESH_MS) continue;
        min = count;
      }
      if (!occupied && slot < page) break;
    }
    return min;
  }

  close(options: { unlink?: boolean } = {}): void {
    try {
      closeSync(this.#fd);
    } catch {
      // Closed already.
    }
    if (options.unlink) {
      try {
        unlinkSync(this.#path);
      } catch {
        // Gone already.
      }
    }
  }
}
