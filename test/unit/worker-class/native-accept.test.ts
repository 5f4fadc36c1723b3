import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeHelper } from '../../../src/native/native.js';
import { tcpHandleClass } from '../../../src/worker-class/native-accept.js';

interface Handle {
  readonly fd?: number;
  close(): void;
}

const servers: net.Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function listen(options: net.ListenOptions): Promise<Handle> {
  const server = net.createServer();
  servers.push(server);
  return new Promise((resolve) => server.listen(options, () => resolve((server as unknown as { _handle: Handle })._handle)));
}

describe('native accept: the socket handle class', () => {
  // The accepted fd is wrapped in the listener's own handle class, skipping node's per-connection
  // type guess; this pins what that relies on, on every Node major CI runs.
  it("is the TCP listener's class, and one it builds opens an accepted descriptor that serves", async () => {
    const handle = await listen({ port: 0, host: '127.0.0.1' });
    const Handle = tcpHandleClass(handle);
    expect(Handle?.name).toBe('TCP');
    const native = nativeHelper();
    if (Handle === undefined || native === undefined) return; // the serving half needs the helper's dup
    const server = servers[0] as net.Server;
    const { port } = server.address() as net.AddressInfo;
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect(port, '127.0.0.1');
    const sockets: net.Socket[] = [client];
    try {
      await new Promise((r) => client.once('connect', r));
      const peer = await accepted;
      sockets.push(peer);
      // An fd no handle of this loop owns yet, as accept4() gives the worker: a copy of the peer's.
      const fd = native.dupCloexec((peer as unknown as { _handle: Handle })._handle.fd as number);
      peer.destroy(); // the copy keeps the connection
      const h = new Handle(0);
      expect(h.open(fd)).toBe(0);
      const wrapped = new net.Socket({ handle: h, readable: true, writable: true } as net.SocketConstructorOpts);
      sockets.push(wrapped);
      expect(wrapped.remotePort).toBe(client.localPort);
      const echoed = new Promise<string>((resolve) => wrapped.once('data', (b: Buffer) => resolve(b.toString())));
      client.write('ping');
      expect(await echoed).toBe('ping');
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('is undefined for a unix-socket listener, whose connections keep the { fd } path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsgun-na-'));
    dirs.push(dir);
    const handle = await listen({ path: join(dir, 's.sock') });
    expect(tcpHandleClass(handle)).toBeUndefined();
  });
});
