// Koa 3: tsgun serves `app.callback()`. Routing and body reading are done by hand here so the
// example needs nothing but koa; @koa/router and koa-body plug in the usual way.
import { Readable } from 'node:stream';
import Koa from 'koa';

const app = new Koa();

async function readJson(req, limit = 1024 * 1024) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error('body too large'), { status: 413, expose: true });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    throw Object.assign(new Error('invalid JSON'), { status: 400, expose: true });
  }
}

// Errors become JSON; Koa's default handler would answer with plain text.
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    ctx.status = err.status ?? 500;
    ctx.body = { error: err.expose ? err.message : 'internal error' };
  }
});

app.use(async (ctx) => {
  if (ctx.method === 'GET' && ctx.path === '/') {
    ctx.body = { framework: 'koa', pid: process.pid };
  } else if (ctx.method === 'POST' && ctx.path === '/echo') {
    ctx.body = { pid: process.pid, body: await readJson(ctx.req) };
  } else if (ctx.method === 'GET' && ctx.path === '/stream') {
    // A Readable as the body: Koa pipes it, tsgun sends it chunked.
    ctx.type = 'text/plain';
    ctx.body = Readable.from(lines(5));
  } else {
    ctx.status = 404;
    ctx.body = { error: 'not found' };
  }
});

async function* lines(n) {
  for (let i = 1; i <= n; i++) {
    yield `line ${i}\n`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export default app;
