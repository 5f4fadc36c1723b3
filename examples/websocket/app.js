// Express + ws on one exported http.Server, never listening: tsgun's workers hand it each request
// ('request' → Express) and each WebSocket upgrade ('upgrade' → ws), exactly as node:http would.
import http from 'node:http';
import express from 'express';
import { WebSocketServer } from 'ws';

const app = express();
app.get('/', (_req, res) => {
  res.set('x-worker-pid', String(process.pid)).type('text/plain').send(`Hello from Express + ws, pid ${process.pid}\n`);
});

const server = http.createServer(app);
const wss = new WebSocketServer({ server, path: '/echo' });

wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ hello: process.pid }));
  // Echo every message back, prefixed with this worker's pid.
  ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `${process.pid}:${data}`, { binary: isBinary }));
});

// tsgun calls server.close() when the worker stops (graceful stop, HUP reload): the usual place
// to tell clients to go (1001 "going away") so they reconnect to a worker that stays.
server.on('close', () => {
  for (const ws of wss.clients) ws.close(1001, 'server stopping');
});

export default server;
