/**
 * Control-socket framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
 * The decoder is incremental (frames arrive split or several per chunk) and refuses a length
 * above its limit before buffering the body, so a bad peer cannot make the master allocate.
 */

/** Largest request frame the master accepts. */
export const MAX_REQUEST_FRAME = 64 * 1024;
/** Largest reply frame ctl accepts (a `workers` reply for a big pool is larger than a request). */
export const MAX_REPLY_FRAME = 16 * 1024 * 1024;

const HEADER = 4;

export function encodeFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, HEADER);
  return frame;
}

export type Decoded =
  | { readonly kind: 'frame'; readonly value: unknown }
  /** Not JSON (or not UTF-8): the framing is intact, the stream can go on. */
  | { readonly kind: 'malformed'; readonly reason: string }
  /** Length above the limit: the stream cannot be resynchronised. */
  | { readonly kind: 'oversized'; readonly length: number };

export class FrameDecoder {
  readonly #max: number;
  #buffer: Buffer = Buffer.alloc(0);
  #broken = false;

  constructor(maxFrame: number) {
    this.#max = maxFrame;
  }

  /** Feed bytes; returns every complete frame. After `oversized` nothing more is decoded. */
  push(chunk: Buffer): Decoded[] {
    if (this.#broken) return [];
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const out: Decoded[] = [];
    while (this.#buffer.length >= HEADER) {
      const length = this.#buffer.readUInt32BE(0);
      if (length > this.#max) {
        this.#broken = true;
        this.#buffer = Buffer.alloc(0);
        out.push({ kind: 'oversized', length });
        break;
      }
      if (this.#buffer.length < HEADER + length) break;
      const body = this.#buffer.subarray(HEADER, HEADER + length);
      this.#buffer = this.#buffer.subarray(HEADER + length);
      out.push(parseBody(body));
    }
    return out;
  }

  /** Bytes of an incomplete frame still waiting. */
  get pending(): number {
    return this.#buffer.length;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseBody(body: Buffer): Decoded {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { kind: 'malformed', reason: 'frame is not valid UTF-8' };
  }
  try {
    return { kind: 'frame', value: JSON.parse(text) as unknown };
  } catch (err) {
    return { kind: 'malformed', reason: `frame is not valid JSON: ${(err as Error).message}` };
  }
}
