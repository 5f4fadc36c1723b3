// Express 5, used as-is: tsgun recognises an Express app and hands it every request.
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));

// Routing: a router mounted under /users, with a parameter.
const users = express.Router();
const names = new Map([
  ['1', 'Ada'],
  ['2', 'Grace'],
]);
users.get('/', (req, res) => {
  res.json([...names].map(([id, name]) => ({ id, name })));
});
users.get('/:id', (req, res) => {
  const name = names.get(req.params.id);
  if (name === undefined) {
    res.status(404).json({ error: 'no such user' });
    return;
  }
  res.json({ id: req.params.id, name });
});
app.use('/users', users);

app.get('/', (req, res) => {
  res.send(`Hello from Express, pid ${process.pid}\n`);
});

// JSON body: express.json() parsed it; echo it back.
app.post('/echo', (req, res) => {
  res.json({ pid: process.pid, body: req.body });
});

// Streaming: `?n=` lines 50 ms apart, each written as soon as it is produced (chunked).
app.get('/stream', async (req, res) => {
  const n = Math.min(Number(req.query.n ?? 5) || 5, 100);
  res.type('text/plain');
  for (let i = 1; i <= n; i++) {
    if (res.destroyed) return;
    res.write(`line ${i}\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  res.end();
});

// Errors thrown in a route reach Express's error handler, not tsgun.
app.get('/boom', () => {
  throw new Error('boom');
});
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  res.status(500).json({ error: err.message });
});

export default app;
