/**
 * The settings table: every tsgun setting declared once (gunicorn's config.py model). The CLI
 * parser, environment variables, config file keys, validation, `--print-config` and
 * docs/settings.md are all derived from it; so is the `Settings` type.
 */
import {
  bindItem,
  directory,
  dirtyAppItem,
  flag,
  headerValueItem,
  integer,
  ipOrNetworkItem,
  keyValueItem,
  list,
  oneOf,
  optionalText,
  seconds,
  text,
  type Codec,
  type ParseContext,
} from './codecs.js';
import { optionalTcpAddress } from './tcp-address-codec.js';
import { umask } from './umask-codec.js';

export const SECTIONS = [
  'Server socket',
  'Worker processes',
  'Dirty workers',
  'HTTP limits',
  'Logging',
  'Process',
  'Config',
  'Hooks',
] as const;
export type Section = (typeof SECTIONS)[number];

/**
 * An environment variable that only replaces the default (gunicorn reads PORT, WEB_CONCURRENCY
 * and FORWARDED_ALLOW_IPS this way): a config file still wins over it.
 */
export interface DefaultEnv {
  readonly name: string;
  /** Variable text → raw setting value, when the variable means something else (PORT → bind). */
  readonly map?: (text: string) => unknown;
}

export interface ValueSetting<N extends string, T> {
  readonly kind: 'value';
  /** The key in `Settings`, config files and library options. */
  readonly name: N;
  readonly section: Exclude<Section, 'Hooks'>;
  /** CLI flags, short first; the first long flag names the setting in messages. Empty = not on the CLI. */
  readonly flags: readonly string[];
  /** Placeholder for the value in docs and --help, e.g. INT. */
  readonly metavar: string;
  /** Environment variables that override the config file, in priority order. */
  readonly env: readonly string[];
  readonly defaultEnv: DefaultEnv | undefined;
  /** Other config-file keys accepted for this setting (gunicorn's names where they differ). */
  readonly fileAliases: readonly string[];
  readonly codec: Codec<T>;
  /** The default value, or how to compute it from the start context. */
  readonly default: T | ((ctx: ParseContext) => T);
  /** How docs show the default when it is computed. */
  readonly defaultDoc: string | undefined;
  readonly doc: string;
  readonly longDoc: string | undefined;
}

export interface HookSetting<N extends string> {
  readonly kind: 'hook';
  readonly name: N;
  readonly section: 'Hooks';
  /** The call as the docs show it, e.g. `preFork(master, worker)`. */
  readonly signature: string;
  readonly fileAliases: readonly string[];
  readonly doc: string;
  readonly longDoc: string | undefined;
}

interface ValueInit<N extends string, T> {
  readonly name: N;
  readonly section: Exclude<Section, 'Hooks'>;
  readonly flags?: readonly string[];
  readonly metavar?: string;
  readonly env?: readonly string[];
  readonly defaultEnv?: DefaultEnv;
  readonly fileAliases?: readonly string[];
  readonly codec: Codec<T>;
  readonly default: NoInfer<T> | ((ctx: ParseContext) => NoInfer<T>);
  readonly defaultDoc?: string;
  readonly doc: string;
  readonly longDoc?: string;
}

function setting<N extends string, T>(init: ValueInit<N, T>): ValueSetting<N, T> {
  return {
    kind: 'value',
    name: init.name,
    section: init.section,
    flags: init.flags ?? [],
    metavar: init.metavar ?? (init.codec.cliType === 'boolean' ? '' : 'STRING'),
    env: init.env ?? [],
    defaultEnv: init.defaultEnv,
    fileAliases: init.fileAliases ?? [],
    codec: init.codec,
    default: init.default,
    defaultDoc: init.defaultDoc,
    doc: init.doc,
    longDoc: init.longDoc,
  };
}

function hook<N extends string>(name: N, signature: string, doc: string, longDoc?: string): HookSetting<N> {
  return { kind: 'hook', name, section: 'Hooks', signature, fileAliases: [], doc, longDoc };
}

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export const WORKER_CLASSES = ['sync', 'async'] as const;
export type WorkerClass = (typeof WORKER_CLASSES)[number];

export const SETTINGS = [
  // ── Server socket ───────────────────────────────────────────────────────────────────────
  setting({
    name: 'bind',
    section: 'Server socket',
    flags: ['-b', '--bind'],
    metavar: 'ADDRESS',
    env: ['TSGUN_BIND'],
    defaultEnv: { name: 'PORT', map: (port) => [`0.0.0.0:${port}`] },
    codec: list('address list', bindItem, { envSplit: 'comma', commaStrings: false, repeatable: true }),
    default: ['127.0.0.1:8000'],
    doc: 'The socket to listen on; repeat to listen on several.',
    longDoc:
      'Forms: `HOST:PORT`, `HOST` (port 8000), `[IPv6]:PORT`, `:PORT` or `PORT` (all IPv4 interfaces), ' +
      '`unix:PATH` (a Unix socket), `fd://N` (an inherited, already listening file descriptor). ' +
      'If `PORT` is set in the environment the default becomes `0.0.0.0:$PORT` (as on Heroku); ' +
      '`TSGUN_BIND` takes a comma-separated list.',
  }),
  setting({
    name: 'backlog',
    section: 'Server socket',
    flags: ['--backlog'],
    metavar: 'INT',
    env: ['TSGUN_BACKLOG'],
    codec: integer(1),
    default: 2048,
    doc: 'Maximum number of pending connections.',
    longDoc: 'Passed to listen(); the kernel caps it at `net.core.somaxconn`. Typical values are 64-2048.',
  }),
  setting({
    name: 'reusePort',
    section: 'Server socket',
    flags: ['--reuse-port'],
    env: ['TSGUN_REUSE_PORT'],
    codec: flag(),
    default: false,
    doc: 'Each worker listens on its own SO_REUSEPORT socket for every TCP bind; the kernel spreads connections over them (Node >= 22.12).',
    longDoc:
      "The kernel picks a worker by hashing the connection's addresses, not by how busy it is: a worker stuck on a slow " +
      'request still gets its share of new connections, which wait in its own queue. Connections queued on a worker ' +
      'that exits (reload, recycling, crash) are reset. Only TCP binds; refused on Node 20 and with unix: or fd:// binds. ' +
      'See docs/deployment.md.',
  }),
  setting({
    name: 'forwardedAllowIps',
    section: 'Server socket',
    flags: ['--forwarded-allow-ips'],
    metavar: 'IPS',
    env: ['TSGUN_FORWARDED_ALLOW_IPS'],
    defaultEnv: { name: 'FORWARDED_ALLOW_IPS' },
    codec: list('address list', ipOrNetworkItem, { envSplit: 'comma', commaStrings: true, repeatable: false }),
    default: ['127.0.0.1', '::1'],
    doc: 'Front-end proxy addresses trusted to set the X-Forwarded-* headers.',
    longDoc:
      'A comma-separated list of IP addresses or CIDR networks. `*` trusts every peer: use it only ' +
      'when nothing but your proxy can reach tsgun.',
  }),
  setting({
    name: 'secureSchemeHeaders',
    section: 'Server socket',
    flags: ['--secure-scheme-headers'],
    metavar: 'HEADER=VALUE,...',
    env: ['TSGUN_SECURE_SCHEME_HEADERS'],
    codec: list('HEADER=VALUE list', headerValueItem, { envSplit: 'comma', commaStrings: true, repeatable: false }),
    default: ['X-FORWARDED-PROTOCOL=ssl', 'X-FORWARDED-PROTO=https', 'X-FORWARDED-SSL=on'],
    doc: 'Headers, and the value of each that means HTTPS, that a trusted proxy sets to tell the scheme.',
    longDoc:
      "Only believed from `--forwarded-allow-ips` peers (and removed from other peers' requests). A listed " +
      'header with another value means HTTP; two listed headers that disagree get 400. See docs/http.md.',
  }),
  setting({
    name: 'proxyProtocol',
    section: 'Server socket',
    flags: ['--proxy-protocol'],
    env: ['TSGUN_PROXY_PROTOCOL'],
    codec: flag(),
    default: false,
    doc: 'Expect a PROXY protocol header (v1 or v2) first on connections from `--proxy-allow-from` peers.',
    longDoc:
      "The client address it names becomes the socket's address for the app and the access log. Such a " +
      'connection without a valid header is refused (400, closed); other peers speak plain HTTP.',
  }),
  setting({
    name: 'proxyAllowFrom',
    section: 'Server socket',
    flags: ['--proxy-allow-from'],
    metavar: 'IPS',
    env: ['TSGUN_PROXY_ALLOW_FROM'],
    codec: list('address list', ipOrNetworkItem, { envSplit: 'comma', commaStrings: true, repeatable: false }),
    default: ['127.0.0.1', '::1'],
    doc: 'Load balancer addresses that send a PROXY protocol header (with `--proxy-protocol`).',
    longDoc: 'A comma-separated list of IP addresses or CIDR networks; `*` means every peer.',
  }),

  // ── Worker processes ────────────────────────────────────────────────────────────────────
  setting({
    name: 'workers',
    section: 'Worker processes',
    flags: ['-w', '--workers'],
    metavar: 'INT',
    env: ['TSGUN_WORKERS'],
    defaultEnv: { name: 'WEB_CONCURRENCY' },
    codec: integer(1),
    default: 1,
    doc: 'Number of worker processes.',
    longDoc:
      'For `sync` workers (one request at a time each) start with 2-4 per CPU core and tune with a load ' +
      'test; `async` workers need about one per core. `WEB_CONCURRENCY` (set by some platforms) changes the default.',
  }),
  setting({
    name: 'workerClass',
    section: 'Worker processes',
    flags: ['-k', '--worker-class'],
    metavar: 'sync|async',
    env: ['TSGUN_WORKER_CLASS'],
    codec: oneOf(WORKER_CLASSES),
    default: 'sync',
    doc: 'Worker type: `sync` runs one request at a time per worker, `async` runs many at once.',
    longDoc:
      "`sync` is gunicorn's model: a slow request occupies its worker, so the master's timeout can find " +
      'stuck code. `async` suits apps that await I/O.',
  }),
  setting({
    name: 'workerConnections',
    section: 'Worker processes',
    flags: ['--worker-connections'],
    metavar: 'INT',
    env: ['TSGUN_WORKER_CONNECTIONS'],
    codec: integer(1),
    default: 1000,
    doc: 'Maximum number of simultaneous client connections per worker.',
  }),
  setting({
    name: 'timeout',
    section: 'Worker processes',
    flags: ['-t', '--timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_TIMEOUT'],
    codec: seconds(),
    default: 30,
    doc: 'Workers silent for more than this many seconds are killed and restarted (0 = never).',
    longDoc: 'A worker is silent when its event loop cannot send its heartbeat, e.g. while a request blocks on CPU.',
  }),
  setting({
    name: 'gracefulTimeout',
    section: 'Worker processes',
    flags: ['--graceful-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_GRACEFUL_TIMEOUT'],
    codec: seconds(),
    default: 30,
    doc: 'Seconds a stopping worker has to finish its requests before it is killed.',
    longDoc: 'Applies to SIGTERM, reloads, max-requests restarts and scaling down.',
  }),
  setting({
    name: 'keepalive',
    section: 'Worker processes',
    flags: ['--keep-alive', '--keepalive'],
    metavar: 'SECONDS',
    env: ['TSGUN_KEEPALIVE'],
    codec: seconds(),
    default: 2,
    doc: 'Seconds to wait for the next request on a keep-alive connection (0 = close after each response).',
    longDoc:
      "Behind a load balancer, set it above the balancer's idle timeout. Applies to the async worker class: " +
      "like gunicorn's sync worker, a sync worker closes the connection after each response, so every request " +
      'goes back through the shared accept queue to whichever worker is free.',
  }),
  setting({
    name: 'maxRequests',
    section: 'Worker processes',
    flags: ['--max-requests'],
    metavar: 'INT',
    env: ['TSGUN_MAX_REQUESTS'],
    codec: integer(0),
    default: 0,
    doc: 'Restart a worker gracefully after it served this many requests (0 = never).',
    longDoc: 'A simple guard against memory leaks.',
  }),
  setting({
    name: 'maxRequestsJitter',
    section: 'Worker processes',
    flags: ['--max-requests-jitter'],
    metavar: 'INT',
    env: ['TSGUN_MAX_REQUESTS_JITTER'],
    codec: integer(0),
    default: 0,
    doc: "Add a random 0..N to each worker's max-requests so workers do not all restart at once.",
  }),

  setting({
    name: 'maxQueueTime',
    section: 'Worker processes',
    flags: ['--max-queue-time'],
    metavar: 'MS',
    env: ['TSGUN_MAX_QUEUE_TIME'],
    codec: integer(0),
    default: 0,
    doc: 'Answer 503 with Retry-After at once to a request that waited longer than this many milliseconds for a worker (0 = never).',
    longDoc:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own variable syntax, printed as is
      'The wait counts from a trusted proxy\'s `X-Request-Start` header (nginx: `proxy_set_header X-Request-Start "t=${msec}";`), ' +
      'which includes the kernel accept queue in front of busy workers, or else from the moment the worker parsed the request head. ' +
      'Under overload the admitted requests keep a bounded latency instead of all waiting longer; see docs/benchmarks.md (overload).',
  }),
  setting({
    name: 'maxWorkerMemory',
    section: 'Worker processes',
    flags: ['--max-worker-memory'],
    metavar: 'MB',
    env: ['TSGUN_MAX_WORKER_MEMORY'],
    codec: integer(0),
    default: 0,
    doc: 'Restart a worker gracefully once its resident memory (RSS) exceeds this many MB (0 = never).',
    longDoc: 'Checked every second. The replacement starts before the old worker stops, so capacity never drops.',
  }),

  // ── Dirty workers (src/dirty/, docs/dirty-workers.md) ───────────────────────────────────
  setting({
    name: 'dirtyApps',
    section: 'Dirty workers',
    flags: ['--dirty-app'],
    metavar: 'MODULE[:EXPORT]',
    env: ['TSGUN_DIRTY_APPS'],
    codec: list('dirty app list', dirtyAppItem, { envSplit: 'comma', commaStrings: false, repeatable: true }),
    default: [],
    doc: 'A module whose export (an object or a class) holds the tasks `dirty.execute()` runs; repeatable.',
    longDoc:
      'Loaded once in every dirty worker, so state such as a loaded model persists between tasks. A class is ' +
      "constructed once. App code calls `dirty.execute('MODULE[:EXPORT]', 'method', ...args)` with the same text.",
  }),
  setting({
    name: 'dirtyWorkers',
    section: 'Dirty workers',
    flags: ['--dirty-workers'],
    metavar: 'INT',
    env: ['TSGUN_DIRTY_WORKERS'],
    codec: integer(0, 1024),
    default: 0,
    doc: 'Number of dirty worker processes (0 = no dirty pool).',
    longDoc: 'Each runs one task at a time. They are supervised by a dirty arbiter process that the master starts.',
  }),
  setting({
    name: 'dirtyTimeout',
    section: 'Dirty workers',
    flags: ['--dirty-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_DIRTY_TIMEOUT'],
    codec: seconds(),
    default: 300,
    doc: 'A task running longer is failed with TSGUN_ERR_DIRTY_TIMEOUT and its dirty worker replaced (0 = no limit).',
  }),
  setting({
    name: 'dirtyGracefulTimeout',
    section: 'Dirty workers',
    flags: ['--dirty-graceful-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_DIRTY_GRACEFUL_TIMEOUT'],
    codec: seconds(),
    default: 30,
    doc: 'Seconds stopping dirty workers have to finish their tasks (TERM, reload, scale-down) before they are killed.',
  }),
  setting({
    name: 'dirtyMaxQueue',
    section: 'Dirty workers',
    flags: ['--dirty-max-queue'],
    metavar: 'INT',
    env: ['TSGUN_DIRTY_MAX_QUEUE'],
    codec: integer(0),
    default: 1024,
    doc: 'Tasks that may wait for a busy pool; beyond it `dirty.execute()` fails at once with TSGUN_ERR_DIRTY_OVERLOADED.',
  }),

  // ── HTTP limits ─────────────────────────────────────────────────────────────────────────
  setting({
    name: 'limitRequestLine',
    section: 'HTTP limits',
    flags: ['--limit-request-line'],
    metavar: 'INT',
    env: ['TSGUN_LIMIT_REQUEST_LINE'],
    codec: integer(0, 8190),
    default: 4094,
    doc: 'Maximum size in bytes of the request line (0 = unlimited); larger requests get 414.',
  }),
  setting({
    name: 'limitRequestFields',
    section: 'HTTP limits',
    flags: ['--limit-request-fields'],
    metavar: 'INT',
    env: ['TSGUN_LIMIT_REQUEST_FIELDS'],
    codec: integer(0, 32768),
    default: 100,
    doc: 'Maximum number of header fields in a request (0 = 32768, as in gunicorn); more get 431.',
  }),
  setting({
    name: 'limitRequestFieldSize',
    section: 'HTTP limits',
    flags: ['--limit-request-field-size'],
    metavar: 'INT',
    env: ['TSGUN_LIMIT_REQUEST_FIELD_SIZE'],
    codec: integer(0),
    default: 8190,
    doc: 'Maximum size in bytes of one header field, CRLF included (0 = 8190, as in gunicorn); larger get 431.',
    longDoc:
      'Counted as gunicorn 26 counts it: name, colon, value and the line ending, plus each obsolete-folding ' +
      'continuation line (with --permit-obsolete-folding). Trailer fields are limited the same way.',
  }),
  setting({
    name: 'limitRequestBody',
    section: 'HTTP limits',
    flags: ['--limit-request-body'],
    metavar: 'INT',
    env: ['TSGUN_LIMIT_REQUEST_BODY'],
    codec: integer(0),
    default: 0,
    doc: 'Maximum size in bytes of a request body (0 = unlimited); larger requests get 413.',
    longDoc:
      'Checked against Content-Length before any of the body is read (and before the app runs), and ' +
      'against the running total of a chunked body as each chunk is announced.',
  }),
  setting({
    name: 'permitObsoleteFolding',
    section: 'HTTP limits',
    flags: ['--permit-obsolete-folding'],
    env: ['TSGUN_PERMIT_OBSOLETE_FOLDING'],
    codec: flag(),
    default: false,
    doc: 'Accept header values continued on an indented line (obsolete folding); refused with 400 otherwise.',
    longDoc: 'When accepted, each fold is replaced by one space (RFC 9112 §5.2).',
  }),
  setting({
    name: 'headerMap',
    section: 'HTTP limits',
    flags: ['--header-map'],
    metavar: 'drop|refuse|dangerous',
    env: ['TSGUN_HEADER_MAP'],
    codec: oneOf(['drop', 'refuse', 'dangerous'] as const),
    default: 'drop',
    doc: 'Headers whose name contains `_`: `drop` them, `refuse` the request (400), or pass them on (`dangerous`).',
    longDoc:
      "As gunicorn's header_map: a name like `X_Forwarded_For` can pass for `X-Forwarded-For` in code or " +
      'proxies that treat `_` and `-` alike.',
  }),
  setting({
    name: 'headerTimeout',
    section: 'HTTP limits',
    flags: ['--header-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_HEADER_TIMEOUT'],
    codec: seconds(),
    default: 10,
    doc: 'Seconds a client has from the first byte of a request to the end of its headers (0 = no limit); then 408.',
    longDoc: 'The slowloris guard. A connection that has sent nothing of a request is governed by `--keep-alive`.',
  }),
  setting({
    name: 'bodyTimeout',
    section: 'HTTP limits',
    flags: ['--body-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_BODY_TIMEOUT'],
    codec: seconds(),
    default: 30,
    doc: 'Longest silence allowed while a request body is being received (0 = no limit); then 408 and close.',
  }),
  setting({
    name: 'sendTimeout',
    section: 'HTTP limits',
    flags: ['--send-timeout'],
    metavar: 'SECONDS',
    env: ['TSGUN_SEND_TIMEOUT'],
    codec: seconds(),
    default: 30,
    doc: 'Seconds a connection may keep response bytes waiting without the client reading any of them (0 = no limit); then it is closed.',
    longDoc:
      'A client that never reads its response would otherwise hold a connection slot (`--worker-connections`) and the ' +
      'buffered body for ever. Closed connections are counted (`send timeouts` in `tsgun ctl stats`, `tsgun_send_timeouts_total`).',
  }),

  // ── Logging ─────────────────────────────────────────────────────────────────────────────
  setting({
    name: 'accessLogfile',
    section: 'Logging',
    flags: ['--access-logfile'],
    metavar: 'FILE',
    env: ['TSGUN_ACCESS_LOGFILE'],
    fileAliases: ['accesslog'],
    codec: optionalText(),
    default: null,
    doc: 'Access log file (`-` = stdout); no access log when unset.',
  }),
  setting({
    name: 'accessLogFormat',
    section: 'Logging',
    flags: ['--access-log-format'],
    metavar: 'FORMAT',
    env: ['TSGUN_ACCESS_LOG_FORMAT'],
    codec: text(),
    default: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"',
    doc: "Access log line format, in gunicorn's `%(name)s` syntax.",
    longDoc:
      'Atoms: `h` remote address, `l` `-`, `u` user, `t` date, `r` request line, `m` method, `U` path, ' +
      '`q` query, `H` protocol, `s` status, `B` body bytes, `b` body bytes or `-`, `f` referer, ' +
      '`a` user agent, `T` seconds, `M` milliseconds, `D` microseconds, `L` decimal seconds, `p` pid, ' +
      '`{name}i` request header, `{name}o` response header, `{name}e` environment variable.',
  }),
  setting({
    name: 'errorLogfile',
    section: 'Logging',
    flags: ['--error-logfile', '--log-file'],
    metavar: 'FILE',
    env: ['TSGUN_ERROR_LOGFILE'],
    fileAliases: ['errorlog'],
    codec: text(),
    default: '-',
    doc: 'Error log file (`-` = stderr).',
  }),
  setting({
    name: 'logLevel',
    section: 'Logging',
    flags: ['--log-level'],
    metavar: 'LEVEL',
    env: ['TSGUN_LOG_LEVEL'],
    codec: oneOf(LOG_LEVELS, { warn: 'warning' }),
    default: 'info',
    doc: 'Minimum level of error-log messages: debug, info, warning (or warn), error, critical.',
  }),

  // ── Process ─────────────────────────────────────────────────────────────────────────────
  setting({
    name: 'pidfile',
    section: 'Process',
    flags: ['-p', '--pid'],
    metavar: 'FILE',
    env: ['TSGUN_PIDFILE'],
    codec: optionalText(),
    default: null,
    doc: "Write the master's process id to this file; removed on exit.",
  }),
  setting({
    name: 'umask',
    section: 'Process',
    flags: ['-m', '--umask'],
    metavar: 'MASK',
    env: ['TSGUN_UMASK'],
    codec: umask(),
    default: 0,
    doc: 'File-mode mask for the unix sockets tsgun binds (octal); the default 0 makes them connectable by any local user.',
    longDoc:
      "As gunicorn's default: a front end such as nginx, whose workers run as `nobody` or `www-data`, must be able to " +
      "connect. Use `007` with `--group` set to the front end's group to allow only that group. Text is read as octal " +
      '(gunicorn reads it as decimal); a config file may give a number (`0o007`). Log files and the pid file are not affected.',
  }),
  setting({
    name: 'user',
    section: 'Process',
    flags: ['-u', '--user'],
    metavar: 'USER',
    env: ['TSGUN_USER'],
    codec: optionalText(),
    default: null,
    doc: 'Run the workers as this user (name or id); the master, started as root, binds the sockets first.',
    longDoc:
      'Log files, the unix socket files and the balance board are handed to this user so workers can reopen them (USR1). ' +
      'The master stays root to bind, fork and signal its workers; the app only ever runs in workers.',
  }),
  setting({
    name: 'group',
    section: 'Process',
    flags: ['-g', '--group'],
    metavar: 'GROUP',
    env: ['TSGUN_GROUP'],
    codec: optionalText(),
    default: null,
    defaultDoc: "the --user's primary group",
    doc: 'Run the workers with this group (name or id).',
  }),
  setting({
    name: 'initgroups',
    section: 'Process',
    flags: ['--initgroups'],
    env: ['TSGUN_INITGROUPS'],
    codec: flag(),
    default: false,
    doc: 'Give the workers every supplementary group of --user (initgroups(3)); without it they keep only --group.',
  }),
  setting({
    name: 'chdir',
    section: 'Process',
    flags: ['--chdir'],
    metavar: 'DIR',
    env: ['TSGUN_CHDIR'],
    codec: directory(),
    default: (ctx) => ctx.cwd,
    defaultDoc: 'the current directory',
    doc: 'Change to this directory before loading the app.',
  }),
  setting({
    name: 'rawEnv',
    section: 'Process',
    flags: ['-e', '--env'],
    metavar: 'KEY=VALUE',
    env: ['TSGUN_ENV'],
    fileAliases: ['env'],
    codec: list('KEY=VALUE list', keyValueItem, { envSplit: 'shell', commaStrings: false, repeatable: true }),
    default: [],
    doc: 'Set an environment variable for the server and its workers.',
    longDoc: '`TSGUN_ENV` holds several, separated by spaces, with shell quoting: `A=1 "B=two words"`.',
  }),
  setting({
    name: 'preloadApp',
    section: 'Process',
    flags: ['--preload'],
    env: ['TSGUN_PRELOAD'],
    fileAliases: ['preload'],
    codec: flag(),
    default: false,
    doc: 'Load the app once in the master before forking, so a broken app fails before any worker starts.',
    longDoc: 'Workers are fresh Node processes, so unlike gunicorn no memory is shared with them.',
  }),
  setting({
    name: 'reload',
    section: 'Process',
    flags: ['--reload'],
    env: ['TSGUN_RELOAD'],
    codec: flag(),
    default: false,
    doc: "Restart workers when the application's files change (development only).",
  }),
  setting({
    name: 'controlSocket',
    section: 'Process',
    flags: ['--control-socket'],
    metavar: 'PATH',
    env: ['TSGUN_CONTROL_SOCKET'],
    codec: optionalText(),
    default: null,
    defaultDoc:
      'beside the pid file (`app.pid` → `app.ctl`), else `$XDG_RUNTIME_DIR/tsgun-<pid>.ctl` or `/tmp/tsgun-<uid>/tsgun-<pid>.ctl`',
    doc: 'Unix socket (mode 0600) on which the master answers `tsgun ctl` commands.',
    longDoc: 'Give `tsgun ctl` the same `--control-socket` (or `--pid`) to reach it; see docs/control-and-metrics.md.',
  }),
  setting({
    name: 'noControlSocket',
    section: 'Process',
    flags: ['--no-control-socket'],
    env: ['TSGUN_NO_CONTROL_SOCKET'],
    codec: flag(),
    default: false,
    doc: 'Do not open the control socket.',
  }),
  setting({
    name: 'metricsBind',
    section: 'Process',
    flags: ['--metrics-bind'],
    metavar: 'HOST:PORT',
    env: ['TSGUN_METRICS_BIND'],
    codec: optionalTcpAddress(),
    default: null,
    doc: 'Serve Prometheus metrics for the whole pool at `http://HOST:PORT/metrics` from the master (off when unset).',
    longDoc: 'Metric names are listed in docs/control-and-metrics.md. Bind it to a private interface.',
  }),

  // ── Config ──────────────────────────────────────────────────────────────────────────────
  setting({
    name: 'config',
    section: 'Config',
    flags: ['-c', '--config'],
    metavar: 'FILE',
    env: ['TSGUN_CONFIG'],
    codec: optionalText(),
    default: null,
    defaultDoc: './tsgun.config.js, .mjs, .cjs or .ts, if present',
    doc: 'The config file: a JS module exporting settings and hooks.',
    longDoc:
      'It may export an object (default export, `module.exports`, or named exports) or a function ' +
      '(sync or async) returning one. Keys may be camelCase, kebab-case or snake_case. ' +
      'A `.ts` file needs a Node version that can strip types (22.6+ with `--experimental-strip-types`, 23.6+).',
  }),
  setting({
    name: 'checkConfig',
    section: 'Config',
    flags: ['--check-config'],
    codec: flag(),
    default: false,
    doc: 'Check the configuration and that the app loads, then exit.',
  }),
  setting({
    name: 'printConfig',
    section: 'Config',
    flags: ['--print-config'],
    codec: flag(),
    default: false,
    doc: 'Print the resolved configuration, then exit.',
  }),

  // ── Hooks (config file only) ────────────────────────────────────────────────────────────
  hook('onStarting', 'onStarting(master)', 'Called in the master before it opens sockets and forks workers.'),
  hook('onReload', 'onReload(master)', 'Called in the master on SIGHUP, before new workers start.'),
  hook('whenReady', 'whenReady(master)', 'Called in the master once the first workers are ready to serve.'),
  hook('preFork', 'preFork(master, worker)', 'Called in the master just before a worker is forked.'),
  hook('postFork', 'postFork(master, worker)', 'Called in the master just after a worker was forked.'),
  hook('postWorkerInit', 'postWorkerInit(worker)', 'Called in a worker after it loaded the app, before it serves.'),
  hook('workerInt', 'workerInt(worker)', 'Called in a worker when it receives SIGINT or SIGQUIT.'),
  hook('workerAbort', 'workerAbort(worker)', 'Called in a worker when the master aborts it for missing its timeout.'),
  hook('preRequest', 'preRequest(worker, req)', 'Called in a worker before each request reaches the app.'),
  hook('postRequest', 'postRequest(worker, req, res)', 'Called in a worker after each response finished.'),
  hook('childExit', 'childExit(master, worker)', 'Called in the master when a worker process exited.'),
  hook(
    'workerExit',
    'workerExit(master, worker)',
    'Called in a worker just before its process exits; `master` is the master as the worker sees it.',
  ),
  hook(
    'nworkersChanged',
    'nworkersChanged(master, newValue, oldValue)',
    'Called in the master when the number of workers changes (oldValue is undefined the first time).',
  ),
  hook('onExit', 'onExit(master)', 'Called in the master just before it exits.'),
] as const;

export type SettingEntry = (typeof SETTINGS)[number];
type ValueEntry = Extract<SettingEntry, { readonly kind: 'value' }>;
type HookEntry = Extract<SettingEntry, { readonly kind: 'hook' }>;

/** The serializable settings (what the master sends to workers as JSON); hooks are apart. */
export type Settings = {
  readonly [E in ValueEntry as E['name']]: E extends ValueSetting<string, infer T> ? T : never;
};
export type SettingName = keyof Settings;

/** Any value setting, for code that walks the table. */
export type AnyValueSetting = ValueSetting<SettingName, unknown>;
/** The hook names the table declares; hooks.ts checks they are exactly the keys of `Hooks`. */
export type TableHookName = HookEntry['name'];
export type AnyHookSetting = HookSetting<TableHookName>;

/** What config files and library options may give: lists may also be one string. */
export type SettingsInput = {
  readonly [K in SettingName]?: Settings[K] extends readonly string[] ? Settings[K] | string : Settings[K];
};

export const VALUE_SETTINGS: readonly AnyValueSetting[] = SETTINGS.filter((entry): entry is ValueEntry => entry.kind === 'value');
export const HOOK_SETTINGS: readonly AnyHookSetting[] = SETTINGS.filter((entry): entry is HookEntry => entry.kind === 'hook');

/** How messages name a setting: its first long flag, else its key. */
export function settingLabel(entry: AnyValueSetting | AnyHookSetting): string {
  if (entry.kind === 'hook') return entry.name;
  return entry.flags.find((f) => f.startsWith('--')) ?? entry.name;
}

/** The default value of a setting for a start directory. */
export function defaultValue(entry: AnyValueSetting, ctx: ParseContext): unknown {
  return typeof entry.default === 'function' ? (entry.default as (c: ParseContext) => unknown)(ctx) : entry.default;
}
