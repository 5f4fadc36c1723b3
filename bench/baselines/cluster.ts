/**
 * Baseline: the plain node:cluster recipe, `node cluster.js APP PORT WORKERS`. The scheduling
 * policy comes from NODE_CLUSTER_SCHED_POLICY (rr = Node's default round-robin through the
 * primary; none = workers accept on the shared socket). Prints "ready" once every worker listens.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { loadHandler } from './load-handler.js';

const [app = 'examples/hello.js', portText = '8000', workersText = '2'] = process.argv.slice(2);
const port = Number(portText);
const workers = Number(workersText);

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on('listening', () => {
    if (++listening === workers) process.stdout.write('ready\n');
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = (): void => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const handler = await loadHandler(app);
  createServer((req, res) => void handler(req, res)).listen(port, '127.0.0.1');
}
