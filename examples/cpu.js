// CPU-bound work: spin until this process has used `?ms=` milliseconds of CPU (default 10).
// Scales with cores, not workers. CPU time, not wall time: with more workers than cores a
// wall-clock loop would be preempted and do less work per request than it claims.
// `npx tsgun examples/cpu.js -w 2`  then  `curl 'localhost:8000/?ms=50'`

export default function cpu(req, res) {
  const ms = queryMs(req.url);
  const start = process.cpuUsage();
  let spins = 0;
  while (cpuMsSince(start) < ms) for (let i = 0; i < 1000; i++) spins++;
  res.writeHead(200, { 'content-type': 'application/json', 'x-worker-pid': process.pid });
  res.end(JSON.stringify({ pid: process.pid, ms, spins }));
}

function cpuMsSince(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** `?ms=N` (default 10), capped at a minute so one request cannot hold a worker forever. */
function queryMs(url) {
  const match = /[?&]ms=(\d+)/.exec(url ?? '');
  return Math.min(match ? Number(match[1]) : 10, 60_000);
}
