/** Baseline: one node:http process, `node single.js APP PORT`. Prints "ready" when listening. */
import { createServer } from 'node:http';
import { loadHandler } from './load-handler.js';

const [app = 'examples/hello.js', portText = '8000'] = process.argv.slice(2);
const handler = await loadHandler(app);
createServer((req, res) => void handler(req, res)).listen(Number(portText), '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
