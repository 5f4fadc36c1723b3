/** A single TCP `HOST:PORT` (e.g. `--metrics-bind`), or null for "off". */
import { formatBind, parseBind } from './bind.js';
import type { Codec } from './codecs.js';
import { SettingProblem, showValue } from './problem.js';

export function optionalTcpAddress(): Codec<string | null> {
  return {
    typeName: 'HOST:PORT | null',
    cliType: 'string',
    repeatable: false,
    fromEnv: (text) => text,
    parse(raw) {
      if (raw === null) return null;
      if (typeof raw !== 'string' || raw === '') throw new SettingProblem(`${showValue(raw)} is not HOST:PORT`);
      const address = parseBind(raw.trim());
      if (address.kind !== 'tcp') throw new SettingProblem(`${showValue(raw)} is not a TCP address (use HOST:PORT)`);
      return formatBind(address);
    },
  };
}
