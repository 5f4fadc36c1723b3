// Blocks the worker's thread for `?ms=` milliseconds (default 10), like a synchronous driver
// call: the gunicorn sync-worker case, where throughput is workers / time.
// `npx tsgun examples/sleep-blocking.js -w 8`

const cell = new Int32Array(new SharedArrayBuffer(4));

export default function sleepBlocking(req, res) {
  const ms = queryMs(req.url);
  Atomics.wait(cell, 0, 0, ms); // nobody notifies: returns 'timed-out' after ms
  res.writeHead(200, { 'content-type': 'application/json', 'x-worker-pid': process.pid });
  res.end(JSON.stringify({ pid: process.pid, blocked: ms }));
}

/** `?ms=N` (default 10), capped at a minute so one request cannot hold a worker forever. */
function queryMs(url) {
  const match = /[?&]ms=(\d+)/.exec(url ?? '');
  return Math.min(match ? Number(match[1]) : 10, 60_000);
}
