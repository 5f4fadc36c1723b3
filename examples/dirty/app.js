// The HTTP side: GET /primes?n=10000000 counts primes in a dirty worker, so the HTTP worker
// stays free to answer GET / (try both at once). Errors come back with a TSGUN_ERR_* code.
import { dirty } from 'tsgun';

// The same text as the --dirty-app the server was started with.
const SIEVE = 'examples/dirty/primes.js:PrimeSieve';

export default async function app(req, res) {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/primes') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`Hello from HTTP worker ${process.pid}; try /primes?n=10000000\n`);
    return;
  }
  try {
    const result = await dirty.execute(SIEVE, 'count', Number(url.searchParams.get('n') ?? 1_000_000));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify(result)}\n`);
  } catch (err) {
    const status = err.code === 'TSGUN_ERR_DIRTY_OVERLOADED' ? 503 : err.code === 'TSGUN_ERR_DIRTY_TASK' ? 400 : 500;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(`${JSON.stringify({ error: err.code, message: err.message })}\n`);
  }
}
