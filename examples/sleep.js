// Waiting without blocking: `?ms=` milliseconds of setTimeout (default 10). With the async worker
// class one worker overlaps many of these; with sync, one at a time.
// `npx tsgun examples/sleep.js --worker-class async`
import { setTimeout as sleep } from 'node:timers/promises';

export default async function sleepHandler(req, res) {
  const ms = queryMs(req.url);
  await sleep(ms);
  res.writeHead(200, { 'content-type': 'application/json', 'x-worker-pid': process.pid });
  res.end(JSON.stringify({ pid: process.pid, slept: ms }));
}

/** `?ms=N` (default 10), capped at a minute so one request cannot hold a worker forever. */
function queryMs(url) {
  const match = /[?&]ms=(\d+)/.exec(url ?? '');
  return Math.min(match ? Number(match[1]) : 10, 60_000);
}
