/**
 * Concurrent WebSocket sockets through tsgun (issue 15): `examples/websocket/app.js` (Express + ws)
 * under `-k async`, N sockets opened in batches, then every socket sends M messages one after
 * another (all sockets at once) and waits for each echo. Reports open time, round trips per
 * second, the split over workers and worker RSS per socket (from the control socket).
 * The ws client runs in this process on the same cores: its CPU is reported beside the figures.
 *
 *   npm run build && node dist/bench/websocket.js [--sockets 200,1000,5000] [--messages 10] [--workers 2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { markdownTable } from '../src/bench/table.js';
import { ControlClient } from '../src/ctl/client.js';
import type { WorkerSnapshot } from '../src/control/protocol.js';
import { ROOT } from './lib/servers.js';

const { values: opts } = parseArgs({
  options: {
    sockets: { type: 'string', default: '200,1000,5000' },
    messages: { type: 'string', default: '10' },
    workers: { type: 'string', default: '2' },
  },
});
const COUNTS = opts.sockets.split(',').map(Number);
const MESSAGES = Number(opts.messages);
const BATCH = 200;
const BIN = resolve(ROOT, 'dist/bin/tsgun.js');

function open(url: string): Promise<{ ws: WebSocket; pid: number }> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url);
    ws.once('message', (data) => done({ ws, pid: (JSON.parse(String(data)) as { hello: number }).hello }));
    ws.once('error', fail);
  });
}

function roundTrips(ws: WebSocket, n: number): Promise<void> {
  return new Promise((done, fail) => {
    let left = n;
    ws.on('message', () => {
      if (--left === 0) done();
      else ws.send(`m${left}`);
    });
    ws.once('close', () => fail(new Error('closed')));
    ws.send(`m${left}`);
  });
}

async function workers(socket: string): Promise<WorkerSnapshot[]> {
  const client = await ControlClient.connect(socket);
  try {
    return (await client.request('workers')) as WorkerSnapshot[];
  } finally {
    client.close();
  }
}

async function settle(socket: string, done: (ws: WorkerSnapshot[]) => boolean): Promise<WorkerSnapshot[]> {
  const deadline = Date.now() + 10_000;
  let last = await workers(socket);
  while (!done(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    last = await workers(socket);
  }
  return last;
}

async function one(n: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsgun-bench-ws-'));
  const control = join(dir, 'tsgun.ctl');
  const args = [BIN, 'examples/websocket/app.js', '-k', 'async', '-w', opts.workers, '-b', '127.0.0.1:0'];
  args.push('--worker-connections', String(Math.max(1000, n)), '--control-socket', control, '--log-level', 'info');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((done, fail) => {
      let text = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        const m = /"url":"(http:\/\/[^"]+)"/.exec(text);
        if (m && text.includes('Ready:')) done(`${(m[1] as string).replace(/^http/, 'ws')}/echo`);
      });
      child.once('exit', () => fail(new Error(`tsgun exited: ${text}`)));
    });
    const idle = await settle(control, (ws) => ws.every((w) => w.rss !== null));
    const idleRss = idle.reduce((s, w) => s + (w.rss ?? 0), 0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const sockets: { ws: WebSocket; pid: number }[] = [];
    for (let i = 0; i < n; i += BATCH) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => open(url)))));
    }
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    await Promise.all(sockets.map((s) => roundTrips(s.ws, MESSAGES)));
    const exchangeS = (performance.now() - t1) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const clientCpu = (cpu.user + cpu.system) / 1000 / (performance.now() - t0);
    const held = await settle(control, (ws) => ws.reduce((s, w) => s + w.upgraded, 0) === n);
    const split = held.map((w) => w.upgraded).join(' / ');
    const rss = held.reduce((s, w) => s + (w.rss ?? 0), 0);
    for (const s of sockets) s.ws.terminate();
    return [
      String(n),
      opts.workers,
      openMs.toFixed(0),
      String(n * MESSAGES),
      Math.round((n * MESSAGES) / exchangeS).toString(),
      split,
      ((rss - idleRss) / n / 1024).toFixed(1),
      `${Math.round(clientCpu * 100)}%`,
    ];
  } finally {
    child.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[][] = [];
for (const n of COUNTS) rows.push(await one(n));
const columns = [
  { title: 'sockets', align: 'right' },
  { title: 'workers', align: 'right' },
  { title: 'open ms', align: 'right' },
  { title: 'round trips', align: 'right' },
  { title: 'round trips/s', align: 'right' },
  { title: 'upgraded per worker', align: 'right' },
  { title: 'worker KiB/socket', align: 'right' },
  { title: 'client CPU', align: 'right' },
] as const;
console.log(markdownTable(columns, rows));
