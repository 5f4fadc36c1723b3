// The HTTP app of `npm run bench:dirty`: GET /task?m=METHOD&a=1,2 → dirty.execute; GET /hello.
import { dirty } from 'tsgun';

const TASKS = 'bench/dirty-apps/tasks.mjs';

export default async function app(req, res) {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
    return;
  }
  const args = (url.searchParams.get('a') ?? '').split(',').filter(Boolean).map(Number);
  try {
    const value = await dirty.execute(TASKS, url.searchParams.get('m') ?? 'sleep', ...args);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value }));
  } catch (err) {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: err.code, message: err.message }));
  }
}
