// A plain Node `(req, res)` handler as an ES module: the default export is the app.
export default function app(req, res) {
  if (req.url === '/health') {
    res.writeHead(204).end();
    return;
  }
  const body = JSON.stringify({ module: 'esm', method: req.method, url: req.url, pid: process.pid });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
