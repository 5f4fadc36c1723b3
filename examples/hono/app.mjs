// Hono 4 (fetch-style): the default export is an object with `fetch(request)`, so tsgun's fetch
// bridge serves it — no @hono/node-server needed.
import { Hono } from 'hono';
import { stream } from 'hono/streaming';

const app = new Hono();

app.get('/', (c) => c.text(`Hello from Hono, pid ${process.pid}\n`));

app.get('/hello/:name', (c) => c.json({ hello: c.req.param('name'), url: c.req.url }));

app.post('/echo', async (c) => c.json({ pid: process.pid, body: await c.req.json() }));

// Each write goes out as it is produced; tsgun streams the Response body with backpressure.
app.get('/stream', (c) =>
  stream(c, async (s) => {
    for (let i = 1; i <= 5; i++) {
      await s.write(`line ${i}\n`);
      await s.sleep(50);
    }
  }),
);

export default app;
