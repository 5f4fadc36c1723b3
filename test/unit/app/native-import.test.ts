/**
 * Vitest runs modules through Vite's module runner, which loads the fixtures itself (its own
 * CommonJS shim, TypeScript transpiled on the fly). What production does — Node's loader — is
 * checked here: src/app is compiled to a temp dir and a plain `node` process loads the fixtures.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/apps');
const harness = path.join(import.meta.dirname, 'native-harness.mjs');

interface Result {
  readonly kind?: string;
  readonly status?: number;
  readonly body?: string;
  readonly code?: string;
  readonly message?: string;
  readonly cause?: string;
}

let outDir = '';
let results: Record<string, Result> = {};
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const stripsTypesByDefault = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'tsgun-app-'));
  await run(
    path.join(root, 'node_modules/.bin/tsc'),
    [
      '--ignoreConfig',
      'src/app/index.ts',
      '--outDir',
      outDir,
      '--rootDir',
      'src',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      '--skipLibCheck',
      '--noCheck',
    ],
    { cwd: root, timeout: 20_000 },
  );
  await writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  const specs = [
    'esm-default.js',
    'cjs-exports.cjs',
    'cjs/app.js',
    'cjs/compiled.js',
    'cjs/compiled.js:other',
    'cjs-named.cjs',
    'cjs-named.cjs:app',
    'cjs-dynamic.cjs:app',
    'throws.js',
    'typescript-app.ts',
    'express()',
  ];
  const { stdout } = await run(process.execPath, [harness, path.join(outDir, 'app/index.js'), fixtures, ...specs], {
    timeout: 20_000,
  });
  results = JSON.parse(stdout) as Record<string, Result>;
});

afterAll(async () => {
  if (outDir !== '') await rm(outDir, { recursive: true, force: true });
});

describe("loadApp under Node's own loader", () => {
  it('loads ESM and CommonJS default exports', () => {
    expect(results['esm-default.js']).toMatchObject({ kind: 'handler', body: 'esm default GET /' });
    expect(results['cjs-exports.cjs']).toMatchObject({ kind: 'handler', body: 'cjs module.exports' });
    expect(results['cjs/app.js']).toMatchObject({ kind: 'handler', body: 'cjs .js' });
  });

  it('unwraps exports.default of compiled TypeScript, and names its other exports', () => {
    expect(results['cjs/compiled.js']).toMatchObject({ kind: 'handler', body: 'compiled ts default' });
    expect(results['cjs/compiled.js:other']).toMatchObject({
      code: 'TSGUN_ERR_APP_NOT_HANDLER',
      message: expect.stringContaining('export "other" of cjs/compiled.js is a number'),
    });
  });

  it('reads module.exports as CommonJS: no guessing, names found at run time', () => {
    expect(results['cjs-named.cjs']).toMatchObject({
      code: 'TSGUN_ERR_APP_NOT_HANDLER',
      message: expect.stringMatching(/module\.exports of cjs-named\.cjs is an object .*name it: cjs-named\.cjs:app/),
    });
    expect(results['cjs-named.cjs:app']).toMatchObject({ body: 'cjs named app' });
    expect(results['cjs-dynamic.cjs:app']).toMatchObject({ body: 'cjs dynamic app' });
  });

  it('reports an import that throws with its cause', () => {
    expect(results['throws.js']).toMatchObject({
      code: 'TSGUN_ERR_APP_LOAD',
      message: expect.stringContaining('boom at import'),
      cause: 'boom at import',
    });
  });

  it.runIf(!stripsTypesByDefault)('explains that TypeScript must be compiled first on this Node', () => {
    expect(results['typescript-app.ts']).toMatchObject({
      code: 'TSGUN_ERR_APP_LOAD',
      message: expect.stringContaining('Compile it first'),
    });
  });

  it.runIf(stripsTypesByDefault)('imports TypeScript where Node strips types', () => {
    expect(results['typescript-app.ts']).toMatchObject({ kind: 'handler', body: 'typescript' });
  });

  it('resolves a package name from cwd and calls it as a factory', () => {
    const express = results['express()'];
    expect(express).toMatchObject({ kind: 'express', status: 404 });
  });
});
