// Fastify 5. Export the instance (or a factory, `app.js:build()`), and never call listen():
// tsgun awaits `app.ready()` in each worker and feeds requests to `app.routing(req, res)`, the
// handler Fastify gives a custom `serverFactory`, so hooks, schemas, 404 and error handlers all
// run. `app.close()` (and so every onClose hook) runs when the worker stops.
import Fastify from 'fastify';

export function build() {
  const app = Fastify({ logger: false });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-worker-pid', process.pid);
  });

  // A plugin with its own prefix, as a real app is split up.
  app.register(
    async (api) => {
      api.get('/items/:id', async (request) => ({ id: Number(request.params.id) }));
      api.post(
        '/echo',
        { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
        async (request) => ({ pid: process.pid, body: request.body }),
      );
    },
    { prefix: '/api' },
  );

  app.get('/', async () => ({ framework: 'fastify', pid: process.pid }));

  return app;
}

export default build();
