import { describe, expect, it } from 'vitest';
import { parseCommandLine, resolveOptions, SETTINGS, type Settings } from '../../../src/config/index.js';
import { foldKey } from '../../../src/config/names.js';
import { VALUE_SETTINGS, HOOK_SETTINGS } from '../../../src/config/settings.js';
import { useTempDir } from './temp-dir.js';

const dir = useTempDir();

const EXPECTED_DEFAULTS = {
  bind: ['127.0.0.1:8000'],
  backlog: 2048,
  workers: 1,
  workerClass: 'sync',
  workerConnections: 1000,
  timeout: 30,
  gracefulTimeout: 30,
  keepalive: 2,
  maxRequests: 0,
  maxRequestsJitter: 0,
  maxQueueTime: 0,
  maxWorkerMemory: 0,
  // Dirty workers (docs/dirty-workers.md).
  dirtyApps: [],
  dirtyWorkers: 0,
  dirtyTimeout: 300,
  dirtyGracefulTimeout: 30,
  dirtyMaxQueue: 1024,
  limitRequestLine: 4094,
  limitRequestFields: 100,
  limitRequestFieldSize: 8190,
  forwardedAllowIps: ['127.0.0.1', '::1'],
  secureSchemeHeaders: ['X-FORWARDED-PROTOCOL=ssl', 'X-FORWARDED-PROTO=https', 'X-FORWARDED-SSL=on'],
  proxyProtocol: false,
  proxyAllowFrom: ['127.0.0.1', '::1'],
  limitRequestBody: 0,
  permitObsoleteFolding: false,
  headerMap: 'drop',
  headerTimeout: 10,
  bodyTimeout: 30,
  sendTimeout: 30,
  accessLogfile: null,
  accessLogFormat: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
  errorLogfile: '-',
  logLevel: 'info',
  pidfile: null,
  rawEnv: [],
  config: null,
  checkConfig: false,
  printConfig: false,
  // gunicorn's preload and reload (design §3).
  preloadApp: false,
  reload: false,
  // Control socket and metrics (docs/control-and-metrics.md).
  controlSocket: null,
  noControlSocket: false,
  metricsBind: null,
  // Production process settings (issue 14): gunicorn's umask 0, user, group, initgroups, reuse_port.
  reusePort: false,
  umask: 0,
  user: null,
  group: null,
  initgroups: false,
} as const;

const HOOKS = [
  'onStarting',
  'onReload',
  'whenReady',
  'preFork',
  'postFork',
  'postWorkerInit',
  'workerInt',
  'workerAbort',
  'preRequest',
  'postRequest',
  'childExit',
  'workerExit',
  'nworkersChanged',
  'onExit',
];

describe('defaults', () => {
  it('gives every setting its default when nothing is set', async () => {
    const outcome = await parseCommandLine(['app.js'], {}, dir.current.path, '0.0.0');
    expect(outcome.kind).toBe('run');
    if (outcome.kind !== 'run') return;
    const { settings, sources, app, configFile, hooks } = outcome.config;
    expect(settings).toEqual({ ...EXPECTED_DEFAULTS, chdir: dir.current.path });
    expect(app).toBe('app.js');
    expect(configFile).toBeUndefined();
    expect(hooks).toEqual({});
    expect(sources.app).toBe('cli');
    for (const key of Object.keys(EXPECTED_DEFAULTS)) expect(sources[key as keyof Settings]).toBe('default');
  });

  it('gives the library API the same defaults', async () => {
    const config = await resolveOptions({ app: 'app.js' }, dir.current.path);
    expect(config.settings).toEqual({ ...EXPECTED_DEFAULTS, chdir: dir.current.path });
  });

  it('settings survive a JSON round trip (the master sends them to workers)', async () => {
    const config = await resolveOptions({ app: 'app.js' }, dir.current.path);
    expect(JSON.parse(JSON.stringify(config.settings))).toEqual(config.settings);
  });
});

describe('the settings table', () => {
  it('declares exactly the expected settings and hooks', () => {
    expect(VALUE_SETTINGS.map((e) => e.name).sort()).toEqual([...Object.keys(EXPECTED_DEFAULTS), 'chdir'].sort());
    expect(HOOK_SETTINGS.map((e) => e.name).sort()).toEqual([...HOOKS].sort());
  });

  it('has unique names, flags, env vars and config-file keys', () => {
    const flags = VALUE_SETTINGS.flatMap((e) => e.flags);
    const env = VALUE_SETTINGS.flatMap((e) => e.env);
    const keys = SETTINGS.flatMap((e) => [e.name, ...e.fileAliases]).map(foldKey);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(env).size).toBe(env.length);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every CLI setting a kebab-case long flag and a TSGUN_ variable', () => {
    for (const entry of VALUE_SETTINGS) {
      if (entry.flags.length === 0) continue;
      expect(
        entry.flags.some((f) => /^--[a-z]+(-[a-z]+)*$/.test(f)),
        entry.name,
      ).toBe(true);
      for (const name of entry.env) expect(name, entry.name).toMatch(/^TSGUN_[A-Z_]+$/);
      expect(entry.doc.length, entry.name).toBeGreaterThan(10);
    }
  });

  it('defaults pass their own validators', () => {
    for (const entry of VALUE_SETTINGS) {
      if (typeof entry.default === 'function') continue;
      expect(entry.codec.parse(entry.default, { cwd: '/' }), entry.name).toEqual(entry.default);
    }
  });
});
