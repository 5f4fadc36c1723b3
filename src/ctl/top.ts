/** `tsgun ctl top`: redraw the per-worker view every interval over one connection. */
import type { MasterStatus, WorkerSnapshot } from '../control/protocol.js';
import type { ControlClient } from './client.js';

export interface TopOptions {
  /** Frames to draw before returning; undefined = until the process is interrupted. */
  readonly iterations: number | undefined;
  readonly intervalMs: number;
  /** One JSON object per line instead of the table. */
  readonly json: boolean;
  /** Clear the terminal before each frame. */
  readonly clear: boolean;
}

const CLEAR = '\x1b[H\x1b[2J';

export async function runTop(
  client: ControlClient,
  options: TopOptions,
  write: (text: string) => void,
  render: (status: MasterStatus, workers: readonly WorkerSnapshot[]) => string,
): Promise<void> {
  for (let frame = 1; options.iterations === undefined || frame <= options.iterations; frame++) {
    const [status, workers] = (await Promise.all([client.request('status'), client.request('workers')])) as [
      MasterStatus,
      WorkerSnapshot[],
    ];
    if (options.json) write(`${JSON.stringify({ status, workers })}\n`);
    else write(`${options.clear ? CLEAR : frame > 1 ? '\n' : ''}${render(status, workers)}\n`);
    if (options.iterations !== undefined && frame >= options.iterations) break;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
