/** docs/errors.md from the error tables (errors.ts) and the HTTP refusals (http/refusals.ts). */
import { ERRORS, EXIT, EXIT_DOCS, WORKER_EXIT, WORKER_EXIT_DOCS } from './errors.js';
import { REFUSALS } from './http/refusals.js';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export function errorsMarkdown(): string {
  const exitNames = new Map<number, string>(Object.entries(EXIT).map(([name, code]) => [code, name]));
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from src/errors.ts and src/http/refusals.ts by scripts/gen-errors-doc.ts: do not edit. -->',
    '',
    'Codes and reasons below are stable: a retired one is never reused for something else.',
    '',
    '## Exit codes of the `tsgun` master',
    '',
    ...table(
      ['code', 'name', 'meaning'],
      Object.entries(EXIT).map(([name, code]) => [String(code), `\`${name}\``, EXIT_DOCS[name as keyof typeof EXIT]]),
    ),
    '',
    '## Exit codes of a worker that the master reads',
    '',
    ...table(
      ['code', 'name', 'meaning'],
      Object.entries(WORKER_EXIT).map(([name, code]) => [String(code), `\`${name}\``, WORKER_EXIT_DOCS[name as keyof typeof WORKER_EXIT]]),
    ),
    '',
    '## Error codes',
    '',
    'Every error tsgun raises on purpose is a `TsgunError` with one of these `code`s; its message starts with the message',
    'below. The CLI prints it and exits with the exit code shown; `tsgun ctl` replies carry the code too.',
    '',
    ...table(
      ['code', 'message', 'exit', 'when'],
      Object.entries(ERRORS).map(([code, spec]) => {
        const doc = 'doc' in spec ? String(spec.doc) : '';
        return [`\`${code}\``, spec.message, `${spec.exitCode} (${exitNames.get(spec.exitCode) ?? '?'})`, doc];
      }),
    ),
    '',
    '## HTTP refusals',
    '',
    'Requests the HTTP engine refuses before the app sees them: answered with the status shown and `Connection: close`.',
    'The reason appears in client-error logs, in `tsgun ctl stats` and as the `reason` label of',
    '`tsgun_http_parser_rejections_total{status, reason}` on `--metrics-bind`.',
    '',
    ...table(
      ['status', 'reason', 'when'],
      Object.values(REFUSALS).map((r) => [String(r.status), `\`${r.reason}\``, r.doc]),
    ),
    '',
  ];
  return lines.join('\n');
}
