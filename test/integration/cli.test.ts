/** The CLI as users run it: help, version, settings errors, config checks, examples. */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnTsgun, startTsgun } from '../helpers/tsgun-process.js';
import { request } from '../helpers/http-client.js';

afterEach(killAll);

const LOCAL = ['-b', '127.0.0.1:0'];

describe('cli', () => {
  it('--help lists options with defaults and env vars', async () => {
    const run = spawnTsgun(['--help']);
    expect((await run.exited).code).toBe(0);
    const help = run.stdout();
    for (const flag of ['--workers', '--bind', '--worker-class', '--keep-alive', '--access-logfile', '--check-config'])
      expect(help).toContain(flag);
    expect(help).toContain('WEB_CONCURRENCY');
  });

  it('--version prints the package version', async () => {
    const run = spawnTsgun(['--version']);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a bad setting exits 2 with one line naming it and the allowed values', async () => {
    const run = spawnTsgun(['examples/hello.js', '-k', 'threads']);
    expect((await run.exited).code).toBe(2);
    const lines = run.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--worker-class');
    expect(lines[0]).toContain('threads');
    expect(lines[0]).toMatch(/sync.*async/);
  });

  it('a bad env value names the variable', async () => {
    const run = spawnTsgun(['examples/hello.js'], { env: { WEB_CONCURRENCY: 'four' } });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toContain('WEB_CONCURRENCY');
  });

  it('no app exits 2', async () => {
    const run = spawnTsgun([]);
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toMatch(/app/i);
  });

  it('--print-config prints the effective settings', async () => {
    const run = spawnTsgun(['examples/hello.js', '-w', '3', '--print-config']);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/workers\s*=\s*3/);
  });

  it('--check-config loads the app and exits 0, or exits 3 when it cannot load', async () => {
    const ok = spawnTsgun(['examples/hello.js', '--check-config']);
    expect((await ok.exited).code).toBe(0);
    const bad = spawnTsgun(['test/fixtures/cli/throws-at-import.js', '--check-config']);
    expect((await bad.exited).code).toBe(3);
    expect(bad.stderr()).toContain('database URL is not set');
  });

  it('TSGUN_CMD_ARGS adds arguments', async () => {
    const run = spawnTsgun(['examples/hello.js', '--print-config'], { env: { TSGUN_CMD_ARGS: '--workers 5' } });
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toMatch(/workers\s*=\s*5/);
  });

  it('writes gunicorn-style access log lines to stdout with --access-logfile -', async () => {
    const tsgun = await startTsgun(['examples/hello.js', '--access-logfile', '-', ...LOCAL]);
    await request(`${tsgun.url}/path?q=1`, { headers: { 'user-agent': 'tsgun-test', referer: 'http://ref.example/' } });
    await tsgun.stop();
    const line = tsgun
      .stdout()
      .trim()
      .split('\n')
      .find((l) => l.includes('/path?q=1'));
    expect(line).toMatch(/^127\.0\.0\.1 - - \[[^\]]+\] "GET \/path\?q=1 HTTP\/1\.1" 200 \d+ "http:\/\/ref\.example\/" "tsgun-test"$/);
  });
});

describe('examples', () => {
  it('hello.js answers', async () => {
    const tsgun = await startTsgun(['examples/hello.js', '-w', '2', ...LOCAL]);
    const reply = await request(`${tsgun.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('Hello, World!');
    await tsgun.stop();
  });

  it('express.js answers routes and echoes JSON', async () => {
    const tsgun = await startTsgun(['examples/express.js', ...LOCAL]);
    const body = JSON.stringify({ a: 1, b: [true, 'x'] });
    const reply = await request(`${tsgun.url}/echo`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ body: { a: 1, b: [true, 'x'] } });
    expect((await request(`${tsgun.url}/does-not-exist`)).status).toBe(404);
    await tsgun.stop();
  });

  it('fetch.mjs (fetch-style) answers', async () => {
    const tsgun = await startTsgun(['examples/fetch.mjs', ...LOCAL]);
    const reply = await request(`${tsgun.url}/hi?x=1`);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ method: 'GET' });
    await tsgun.stop();
  });

  it('plain.cjs (CommonJS) answers', async () => {
    const tsgun = await startTsgun(['examples/plain.cjs', ...LOCAL]);
    expect((await request(`${tsgun.url}/`)).status).toBe(200);
    await tsgun.stop();
  });
});
