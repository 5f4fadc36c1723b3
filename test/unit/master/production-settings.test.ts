/** The pure parts of issue 14's settings: the umask codec, the reuse-port checks, identity resolution. */
import { describe, expect, it } from 'vitest';
import { umask } from '../../../src/config/umask-codec.js';
import { checkReusePort, nodeHasReusePort } from '../../../src/master/reuse-port.js';
import { resolveWorkerIdentity } from '../../../src/master/worker-identity.js';
import { TsgunError } from '../../../src/errors.js';

const ctx = { cwd: '/' };

describe('--umask', () => {
  it('reads text as octal, as chmod does, and takes numbers from a config file', () => {
    const codec = umask();
    expect(codec.parse('0', ctx)).toBe(0);
    expect(codec.parse('22', ctx)).toBe(0o22);
    expect(codec.parse('0007', ctx)).toBe(0o7);
    expect(codec.parse('0o117', ctx)).toBe(0o117);
    expect(codec.parse(0o027, ctx)).toBe(0o27);
  });

  it('refuses what is not an octal mask', () => {
    const codec = umask();
    for (const bad of ['8', '0x12', '-1', '1000', '', 'abc', 0o1000, 1.5]) expect(() => codec.parse(bad, ctx)).toThrow(/octal mask/);
  });
});

describe('--reuse-port', () => {
  it('knows which Node versions have net.Server reusePort', () => {
    expect(['20.20.2', '22.11.0', '23.0.0'].map((v) => nodeHasReusePort(v))).toEqual([false, false, false]);
    expect(['22.12.0', '23.1.0', '24.0.0', '26.12.1'].map((v) => nodeHasReusePort(v))).toEqual([true, true, true, true]);
  });

  it.skipIf(!nodeHasReusePort())('accepts TCP binds and refuses unix and fd binds', () => {
    expect(() => checkReusePort(['127.0.0.1:0', '[::1]:8000'])).not.toThrow();
    expect(() => checkReusePort(['127.0.0.1:0', 'unix:/tmp/x.sock'])).toThrow(/not unix:\/tmp\/x\.sock/);
    expect(() => checkReusePort(['fd://3'])).toThrow(/not fd:\/\/3/);
  });

  it.skipIf(nodeHasReusePort())('is refused on this Node', () => {
    expect(() => checkReusePort(['127.0.0.1:0'])).toThrow(`needs Node >= 22.12 (net.Server reusePort); this is Node ${process.version}`);
  });
});

describe('resolveWorkerIdentity', () => {
  const none = { user: null, group: null, initgroups: false };

  it('is nothing to do without --user or --group', () => {
    expect(resolveWorkerIdentity(none)).toBeUndefined();
  });

  it('names the unknown user or group, with exit code 2', () => {
    const err = (() => {
      try {
        resolveWorkerIdentity({ ...none, user: 'no-such-user-h14' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TsgunError);
    expect((err as TsgunError).message).toBe('Unknown user or group: --user no-such-user-h14: no such user');
    expect((err as TsgunError).exitCode).toBe(2);
    expect(() => resolveWorkerIdentity({ ...none, group: 'no-such-group-h14' })).toThrow('--group no-such-group-h14: no such group');
  });

  it('wants --user for --initgroups', () => {
    expect(() => resolveWorkerIdentity({ ...none, initgroups: true })).toThrow('--initgroups: needs --user');
  });

  it.skipIf(process.getuid?.() !== 0)('as root: resolves a name to its uid and primary group; ids without an entry need --group', () => {
    expect(resolveWorkerIdentity({ ...none, user: 'nobody' })).toEqual({ uid: 65534, gid: 65534, user: 'nobody', initgroups: false });
    expect(resolveWorkerIdentity({ ...none, user: '65534', group: '0' })).toMatchObject({ uid: 65534, gid: 0 });
    const noEntry = resolveWorkerIdentity({ ...none, user: '54321', group: '54321' });
    expect(noEntry).toEqual({ uid: 54321, gid: 54321, user: undefined, initgroups: false });
    expect(() => resolveWorkerIdentity({ ...none, user: '54321' })).toThrow('has no passwd entry, so give --group too');
  });
});
