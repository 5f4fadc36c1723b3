// Hono 4: any object with a `fetch(request)` method runs through tsgun's fetch bridge.
// `npx tsgun examples/hono.mjs`
import { Hono } from 'hono';

const app = new Hono();

app.use(async (c, next) => {
  await next();
  c.header('x-worker-pid', String(process.pid));
});

app.get('/', (c) => c.text(`Hello from Hono, pid ${process.pid}\n`));

app.post('/echo', async (c) => c.json({ pid: process.pid, body: await c.req.text() }));

export default app;
