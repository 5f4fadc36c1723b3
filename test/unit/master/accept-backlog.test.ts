import { describe, expect, it } from 'vitest';
import { parseListenQueues, queuedOnPort } from '../../../src/master/accept-backlog.js';

// Lines as /proc/net/tcp and tcp6 print them (trailing columns shortened).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000800:0000000C 00:00000000 00000000  1000        0 41213 1
   1: 00000000:0016 00000000:0000 0A 00000080:00000000 00:00000000 00000000     0        0 558 1
   2: 0100007F:1F40 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000  1000        0 41300 1
   3: 0100007F:1F40 0100007F:D2A6 06 00000000:00000000 03:00001000 00000000     0        0 0 3`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000800:00000003 00:00000000 00000000  1000        0 41999 1`;

describe('accept backlog from /proc/net/tcp{,6}', () => {
  it('reads the LISTEN sockets: rx_queue is the accept queue', () => {
    expect(parseListenQueues(TCP)).toEqual([
      { address: '127.0.0.1:8000', port: 8000, queued: 12 },
      { address: '0.0.0.0:22', port: 22, queued: 0 },
    ]);
    expect(parseListenQueues(TCP6)).toEqual([{ address: '[0:0:0:0:0:0:0:1]:8001', port: 8001, queued: 3 }]);
  });

  it('sums the sockets of one port (reusePort gives each worker its own)', () => {
    const queues = [...parseListenQueues(TCP), { address: '127.0.0.1:8000', port: 8000, queued: 5 }];
    expect(queuedOnPort(queues, 8000)).toEqual({ queued: 17, sockets: 2 });
    expect(queuedOnPort(queues, 9)).toBeUndefined();
  });
});
