/** A real `ws` client that queues what it receives, for tests against the real CLI. */
import WebSocket from 'ws';

export interface Closed {
  readonly code: number;
  readonly at: number;
}

export class WsPeer {
  readonly ws: WebSocket;
  readonly #inbox: string[] = [];
  #wake: (() => void) | null = null;
  readonly closed: Promise<Closed>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      this.#inbox.push(String(data));
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
    ws.on('error', () => {});
  }

  /** Connect; rejects with the handshake failure (e.g. `Unexpected server response: 501`). */
  static open(url: string, timeoutMs = 10_000): Promise<WsPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
      const peer = new WsPeer(ws);
      ws.once('open', () => resolve(peer));
      ws.once('error', reject);
      void peer.closed.then((c) => reject(new Error(`closed before open: ${c.code}`)));
    });
  }

  async next(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no message in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#inbox.shift() as string;
  }

  /** Send and wait for the reply. */
  async ask(text: string, timeoutMs = 5000): Promise<string> {
    this.ws.send(text);
    return this.next(timeoutMs);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }
}
