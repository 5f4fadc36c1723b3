// The same handler as CommonJS: `module.exports` is the app.
module.exports = function app(req, res) {
  if (req.url === '/health') {
    res.writeHead(204).end();
    return;
  }
  const body = JSON.stringify({ module: 'cjs', method: req.method, url: req.url, pid: process.pid });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
