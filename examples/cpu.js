// CPU-bound work: spin for `?ms=` milliseconds (default 10). Scales with cores, not workers.
// `npx tsgun examples/cpu.js -w 2`  then  `curl 'localhost:8000/?ms=50'`

export default function cpu(req, res) {
  const ms = queryMs(req.url);
  const end = performance.now() + ms;
  let spins = 0;
  while (performance.now() < end) spins++;
  res.writeHead(200, { 'content-type': 'application/json', 'x-worker-pid': process.pid });
  res.end(JSON.stringify({ pid: process.pid, ms, spins }));
}

/** `?ms=N` (default 10), capped at a minute so one request cannot hold a worker forever. */
function queryMs(url) {
  const match = /[?&]ms=(\d+)/.exec(url ?? '');
  return Math.min(match ? Number(match[1]) : 10, 60_000);
}
