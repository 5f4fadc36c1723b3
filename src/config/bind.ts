/**
 * Parsing of `--bind` addresses, gunicorn's `util.parse_address` with stricter checks.
 * Accepted: `HOST:PORT`, `HOST` (port 8000), `[IPv6]:PORT`, `:PORT` and `PORT` (all IPv4
 * interfaces), `tcp://` prefix, `unix:PATH` / `unix://PATH`, `fd://N`.
 */
import { isIP } from 'node:net';
import { SettingProblem, showValue } from './problem.js';

export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'fd'; readonly fd: number };

const DEFAULT_PORT = 8000;
const ALL_INTERFACES = '0.0.0.0';
const FORMS = 'use HOST:PORT, [IPv6]:PORT, :PORT, unix:PATH or fd://N';
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

function fail(text: string, why: string): never {
  throw new SettingProblem(`${showValue(text)} is not a valid address: ${why} (${FORMS})`);
}

function parsePort(text: string, portText: string): number {
  if (!/^\d{1,5}$/.test(portText)) fail(text, `port ${showValue(portText)} is not a number`);
  const port = Number(portText);
  if (port > 65535) fail(text, `port ${port} is out of range 0-65535`);
  return port;
}

/** Parses one address; throws SettingProblem with the reason. */
export function parseBind(text: string): BindAddress {
  const unix = /^unix:(?:\/\/)?(.*)$/.exec(text);
  if (unix) {
    const path = unix[1] ?? '';
    if (path === '') fail(text, 'the socket path is empty');
    return { kind: 'unix', path };
  }
  if (text.startsWith('fd://')) {
    const fdText = text.slice('fd://'.length);
    if (!/^\d+$/.test(fdText)) fail(text, `${showValue(fdText)} is not a file descriptor number`);
    return { kind: 'fd', fd: Number(fdText) };
  }
  const netloc = text.startsWith('tcp://') ? text.slice('tcp://'.length) : text;
  if (netloc === '') fail(text, 'it is empty');

  if (netloc.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::(.*))?$/.exec(netloc);
    if (!match) fail(text, 'unbalanced brackets');
    const host = (match[1] ?? '').toLowerCase();
    if (isIP(host) !== 6) fail(text, `${showValue(host)} is not an IPv6 address`);
    const port = match[2] === undefined ? DEFAULT_PORT : parsePort(text, match[2]);
    return { kind: 'tcp', host, port };
  }
  if (/^\d+$/.test(netloc)) return { kind: 'tcp', host: ALL_INTERFACES, port: parsePort(text, netloc) };

  const colons = netloc.split(':').length - 1;
  if (colons > 1) fail(text, 'IPv6 addresses need brackets, e.g. [::1]:8000');
  const [hostPart = '', portPart] = netloc.split(':');
  const host = hostPart === '' ? ALL_INTERFACES : hostPart.toLowerCase();
  if (isIP(host) === 0 && !HOSTNAME.test(host)) fail(text, `${showValue(hostPart)} is not a host name or IPv4 address`);
  const port = portPart === undefined ? DEFAULT_PORT : parsePort(text, portPart);
  return { kind: 'tcp', host, port };
}

/** The canonical text of an address: what `settings.bind` holds and `--print-config` shows. */
export function formatBind(address: BindAddress): string {
  switch (address.kind) {
    case 'unix':
      return `unix:${address.path}`;
    case 'fd':
      return `fd://${address.fd}`;
    case 'tcp':
      return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
  }
}
