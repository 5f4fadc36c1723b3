// CommonJS: the app is module.exports. `npx tsgun examples/plain.cjs`
module.exports = function plain(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-worker-pid': process.pid });
  res.end(`plain CommonJS handler, pid ${process.pid}\n`);
};
