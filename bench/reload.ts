/**
 * Issue 5's reload check: requests under load while the master is sent HUP every few seconds.
 * Every failed, reset or non-2xx request is counted; the target is 0.
 *   - async class: autocannon keep-alive (it handles the `Connection: close` that draining
 *     workers send on keep-alive connections);
 *   - sync class: a closed-loop client that opens a fresh connection per request, as real
 *     clients do when a sync worker closes after each response (autocannon mis-counts those).
 *
 *   npm run bench:reload [-- --quick] [--duration S] [--every S] [--out DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { markdownTable } from '../src/bench/table.js';
import { runLoad, signalDuring } from '../src/bench/closed-loop.js';
import { cores, cpuModel } from './lib/machine.js';
import { ROOT } from './lib/servers.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    every: { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const DURATION_S = opts.duration ? Number(opts.duration) : opts.quick ? 10 : 30;
const EVERY_S = Number(opts.every);
const BIN = resolve(ROOT, 'dist/bin/tsgun.js');

interface Row {
  readonly workerClass: 'sync' | 'async';
  readonly client: string;
  readonly seconds: number;
  readonly hups: number;
  readonly reloads: number;
  readonly requests: number;
  readonly rps: number;
  readonly failed: number;
  readonly detail: string;
}

interface Server {
  readonly child: ChildProcess;
  readonly url: string;
  reloads(): number;
  stop(): Promise<void>;
}

function startTsgun(args: readonly string[]): Promise<Server> {
  // The error log (pino JSON) goes to stderr: that is where readiness and reloads are reported.
  const child = spawn(process.execPath, [BIN, ...args, '-b', '127.0.0.1:0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let reloads = 0;
  let buffered = '';
  return new Promise((resolveStart, reject) => {
    let url = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a server behind
      reject(new Error('tsgun did not become ready in 20 s'));
    }, 20_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('"msg":"Listening at: http')) url ||= /"url":"([^"]+)"/.exec(line)?.[1] ?? '';
        if (line.includes('Reload complete')) reloads++;
        if (line.includes('"msg":"Ready:')) {
          clearTimeout(timer);
          resolveStart({
            child,
            url,
            reloads: () => reloads,
            stop: () =>
              new Promise((done) => {
                child.once('exit', () => done());
                child.kill('SIGTERM');
              }),
          });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`tsgun exited with code ${code} before it was ready`)));
  });
}

async function asyncRow(): Promise<Row> {
  const server = await startTsgun(['examples/hello.js', '-k', 'async', '-w', '2']);
  const run = Promise.resolve(autocannon({ url: `${server.url}/`, connections: 8, duration: DURATION_S }));
  const hups = await signalDuring(server.child.pid!, 'SIGHUP', EVERY_S * 1000, run);
  const r = await run;
  await server.stop();
  const failed = r.errors + r.timeouts + r.non2xx + r.resets;
  return {
    workerClass: 'async',
    client: 'autocannon -c 8 keep-alive',
    seconds: r.duration,
    hups,
    reloads: server.reloads(),
    requests: r.requests.total,
    rps: r.requests.average,
    failed,
    detail: `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, resets ${r.resets}`,
  };
}

async function syncRow(): Promise<Row> {
  const server = await startTsgun(['examples/sleep.js', '-w', '2']);
  const started = Date.now();
  const run = runLoad(`${server.url}/?ms=5`, { concurrency: 6, durationMs: DURATION_S * 1000, keepAlive: true });
  const hups = await signalDuring(server.child.pid!, 'SIGHUP', EVERY_S * 1000, run);
  const r = await run;
  const seconds = (Date.now() - started) / 1000;
  await server.stop();
  return {
    workerClass: 'sync',
    client: 'closed loop ×6, sleep 5 ms',
    seconds,
    hups,
    reloads: server.reloads(),
    requests: r.ok + r.failed,
    rps: (r.ok + r.failed) / seconds,
    failed: r.failed,
    detail: r.errors.length ? r.errors.slice(0, 3).join('; ') : `statuses ${JSON.stringify(r.statuses)}, ${r.pids.size} worker pids`,
  };
}

async function main(): Promise<void> {
  console.log(`bench:reload: 2 runs × ${DURATION_S} s, HUP every ${EVERY_S} s`);
  const rows: Row[] = [];
  for (const run of [asyncRow, syncRow]) {
    const row = await run();
    console.log(`  ${row.workerClass}: ${row.requests} requests, ${row.hups} HUPs, ${row.reloads} reloads, ${row.failed} failed`);
    rows.push(row);
  }
  const table = markdownTable(
    [
      { title: 'class' },
      { title: 'client' },
      { title: 'seconds', align: 'right' },
      { title: 'HUPs', align: 'right' },
      { title: 'reloads done', align: 'right' },
      { title: 'requests', align: 'right' },
      { title: 'req/s', align: 'right' },
      { title: 'failed', align: 'right' },
      { title: 'detail' },
    ],
    rows.map((r) => [
      r.workerClass,
      r.client,
      r.seconds.toFixed(1),
      String(r.hups),
      String(r.reloads),
      String(r.requests),
      r.rps.toFixed(0),
      String(r.failed),
      r.detail,
    ]),
  );
  const header = `## Reload under load (${new Date().toISOString().slice(0, 10)}, ${cores()} cores, ${cpuModel()}, Node ${process.version})\n\n`;
  console.log(`\n${header}${table}`);
  const out = resolve(ROOT, opts.out);
  mkdirSync(out, { recursive: true });
  writeFileSync(resolve(out, 'reload.md'), `${header}${table}\n`);
  writeFileSync(resolve(out, 'reload.json'), JSON.stringify(rows, null, 2));
  const failed = rows.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) {
    console.error(`bench:reload: ${failed} failed request(s)`);
    process.exitCode = 1;
  }
}

await main();
