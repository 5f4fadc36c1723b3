// Fastify 5: tsgun awaits `app.ready()` and routes requests into it (hooks, 404 and error
// handlers included), and calls `app.close()` when the worker stops. Do not call listen().
// `npx tsgun examples/fastify.js -w 2`
import Fastify from 'fastify';

const app = Fastify();

app.addHook('onSend', async (request, reply) => {
  reply.header('x-worker-pid', process.pid);
});

app.get('/', async () => ({ framework: 'fastify', pid: process.pid }));

app.post('/echo', async (request) => ({ pid: process.pid, body: request.body }));

export default app;
