/**
 * `tsgun bench APP --quick` end to end: the real CLI runs a short sweep (tsgun servers, autocannon
 * in its own process) against the async-sleep example and prints a table and a recommendation.
 * Bounded: two worker counts, one class each, 1 s per run.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/tsgun-process.js';

function runCli(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // SIGINT lets the bench command stop its servers before exiting.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

describe('tsgun bench', () => {
  it('sweeps examples/sleep.js and recommends the async class', { timeout: 60_000 }, async () => {
    const r = await runCli(['bench', 'examples/sleep.js', '--route', '/?ms=10', '--quick', '--workers', '1,2'], 50_000);
    expect(r.stderr).toMatch(/2 calibration run\(s\) at c=1, then 4 runs of 1 s/);
    expect(r.stderr).toMatch(/left/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| class \| workers \| req\/s/);
    expect(r.stdout).toMatch(/\| sync +\| +2 \|/);
    expect(r.stdout).toMatch(/\| async +\| +1 \|/);
    expect(r.stdout).toMatch(/Recommendation: -k async -w \d+ +\(non-blocking-waits\)/);
    expect(r.stdout).toMatch(/Non-blocking waits/);
    expect(r.stdout).toMatch(/client-concurrency/);
  });

  it('prints its help without starting anything', async () => {
    const r = await runCli(['bench', '--help'], 10_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: tsgun bench APP \[options\]/);
    expect(r.stdout).toMatch(/--route/);
  });

  it('rejects a bad option value with exit code 2', async () => {
    const r = await runCli(['bench', 'examples/sleep.js', '--class', 'threads'], 10_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--class: "threads" is not one of: sync, async/);
  });
});
