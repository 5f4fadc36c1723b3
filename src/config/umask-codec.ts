/** A file-mode mask (`--umask`): octal text (`0`, `022`, `0o117`) or a number from a config file. */
import type { Codec } from './codecs.js';
import { SettingProblem, showValue } from './problem.js';

export function umask(): Codec<number> {
  return {
    typeName: 'octal 0-777',
    cliType: 'string',
    repeatable: false,
    fromEnv: (text) => text,
    parse(raw) {
      let n: unknown = raw;
      // Text is always octal, as chmod(1) reads it: "22" and "022" both mean 0o022.
      if (typeof raw === 'string') n = /^\s*(?:0o)?[0-7]{1,4}\s*$/i.test(raw) ? parseInt(raw.trim().replace(/^0o/i, ''), 8) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0o777) {
        throw new SettingProblem(`${showValue(raw)} is not an octal mask from 0 to 777`);
      }
      return n;
    },
  };
}
