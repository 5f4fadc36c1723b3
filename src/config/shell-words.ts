/**
 * Splits a string into words the way a POSIX shell would (quotes and backslashes, no expansion),
 * for TSGUN_CMD_ARGS and TSGUN_ENV: `--bind ':8000' -e "GREETING=hello world"`.
 */
import { SettingProblem } from './problem.js';

export function splitShellWords(input: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < input.length && '"\\$`'.includes(input[i + 1] as string)) word += input[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 < input.length) word += input[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new SettingProblem(`unterminated ${quote} quote in ${JSON.stringify(input)}`);
  if (inWord) words.push(word);
  return words;
}
