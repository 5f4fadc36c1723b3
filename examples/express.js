// Express 5, used as-is. `npx tsgun examples/express.js -w 2`
//   curl localhost:8000/
//   curl -d '{"a":1}' -H 'content-type: application/json' localhost:8000/echo
//   curl -N localhost:8000/stream
import express from 'express';

const app = express();

app.use((req, res, next) => {
  res.set('x-worker-pid', String(process.pid));
  next();
});
app.use(express.json());

app.get('/', (req, res) => {
  res.send(`Hello from Express, pid ${process.pid}\n`);
});

app.post('/echo', (req, res) => {
  res.json({ pid: process.pid, body: req.body });
});

// Five chunks 100 ms apart, written as they are produced (chunked encoding).
app.get('/stream', async (req, res) => {
  res.type('text/plain');
  for (let i = 1; i <= 5; i++) {
    if (res.destroyed) return;
    res.write(`chunk ${i} from ${process.pid}\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  res.end();
});

export default app;
