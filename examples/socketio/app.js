// socket.io 4 on an exported http.Server that never listens: tsgun's workers pass it requests
// (long-polling) and upgrades (websocket). engine.io closes its clients on the server's 'close'
// event, which tsgun emits when the worker stops.
import http from 'node:http';
import { Server } from 'socket.io';

const server = http.createServer((req, res) => {
  // socket.io answers /socket.io/ itself; everything else lands here.
  res.writeHead(200, { 'content-type': 'text/plain', 'x-worker-pid': String(process.pid) });
  res.end(`Hello from socket.io, pid ${process.pid}\n`);
});

const io = new Server(server);
io.on('connection', (socket) => {
  socket.emit('hello', { pid: process.pid });
  socket.on('echo', (message, ack) => {
    if (typeof ack === 'function') ack({ pid: process.pid, message });
  });
});

export default server;
