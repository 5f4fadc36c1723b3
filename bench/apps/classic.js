// Handlers of the classic bench profiles (bench/classic.ts), one app with a route per case; the
// WSGI twins are in bench/baselines/wsgi_classic.py.
//   /django        50 ms of upstream wait (non-blocking) + 2 ms of CPU: a typical ORM-backed view
//   /email-inline  a 500 ms blocking "send the confirmation email" before the response
//   /email-after   the response first, the same 500 ms of (non-blocking) work after it
//   /mixed         5 ms of CPU + 20 ms of non-blocking wait
import { setTimeout as sleep } from 'node:timers/promises';

const cell = new Int32Array(new SharedArrayBuffer(4));

function spin(ms) {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
    for (let i = 0; i < 1000; i++);
  }
}

function reply(res, body) {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-worker-pid': process.pid });
  res.end(body);
}

export default async function classic(req, res) {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/django') {
    await sleep(50);
    spin(2);
    return reply(res, 'django\n');
  }
  if (path === '/email-inline') {
    Atomics.wait(cell, 0, 0, 500);
    return reply(res, 'sent\n');
  }
  if (path === '/email-after') {
    reply(res, 'queued\n');
    await sleep(500);
    return;
  }
  if (path === '/mixed') {
    spin(5);
    await sleep(20);
    return reply(res, 'mixed\n');
  }
  if (path === '/sleep') {
    Atomics.wait(cell, 0, 0, Number(/ms=(\d+)/.exec(req.url ?? '')?.[1] ?? 10));
    return reply(res, 'slept\n');
  }
  return reply(res, 'ok\n');
}
