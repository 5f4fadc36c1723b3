// The smallest app: a Node (req, res) handler. `npx tsgun examples/hello.js -w 4`
const body = 'Hello, World!';

export default function hello(req, res) {
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'x-worker-pid': process.pid,
  });
  res.end(body);
}
