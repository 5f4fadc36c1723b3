import { describe, expect, it } from 'vitest';
import { formatAppSpec, parseAppSpec } from '../../../src/app/parse-spec.js';
import { TsgunError } from '../../../src/errors.js';

describe('parseAppSpec', () => {
  it.each([
    ['app.js', { module: 'app.js', exportName: undefined, factory: false }],
    ['./dir/app.mjs:server', { module: './dir/app.mjs', exportName: 'server', factory: false }],
    ['dist/app.js:createApp()', { module: 'dist/app.js', exportName: 'createApp', factory: true }],
    ['app.js:default', { module: 'app.js', exportName: undefined, factory: false }],
    ['app.js:default()', { module: 'app.js', exportName: undefined, factory: true }],
    ['express()', { module: 'express', exportName: undefined, factory: true }],
    ['@acme/site:$app_2', { module: '@acme/site', exportName: '$app_2', factory: false }],
    ['  app.cjs  ', { module: 'app.cjs', exportName: undefined, factory: false }],
    ['/srv/my app/app.js:app', { module: '/srv/my app/app.js', exportName: 'app', factory: false }],
    ['C:\\srv\\app.js', { module: 'C:\\srv\\app.js', exportName: undefined, factory: false }],
    ['C:\\srv\\app.js:server', { module: 'C:\\srv\\app.js', exportName: 'server', factory: false }],
    ['file:///srv/app.js:make()', { module: 'file:///srv/app.js', exportName: 'make', factory: true }],
  ])('parses %j', (text, expected) => {
    expect(parseAppSpec(text)).toEqual(expected);
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [':app', /module path is missing/],
    ['app.js:', /export name after `:` is missing/],
    ['app.js:1app', /`1app` is not an export name/],
    ['app.js:a.b', /`a.b` is not an export name/],
    ['app.js:make(1)', /without arguments/],
    ['app.js:make()()', /`make\(\)` is not an export name/],
    ['app.js():make', /`\(\)` goes after the export name/],
  ])('rejects %j', (text, message) => {
    const run = (): unknown => parseAppSpec(text);
    expect(run).toThrow(TsgunError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect((err as TsgunError).code).toBe('TSGUN_ERR_BAD_APP_SPEC');
    }
  });

  it('formats a spec back to its canonical text', () => {
    expect(formatAppSpec(parseAppSpec('app.js:default'))).toBe('app.js');
    expect(formatAppSpec(parseAppSpec('dist/app.js:createApp()'))).toBe('dist/app.js:createApp()');
  });
});
