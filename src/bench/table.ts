/** Markdown tables and the number formats the bench reports share. */
import type { CpuSplit } from './limit.js';

export type Align = 'left' | 'right';

export interface Column {
  readonly title: string;
  readonly align?: Align;
}

/** A GitHub-flavoured Markdown table, padded so it also reads well as plain text. */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(3, c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number): string =>
    columns[i]?.align === 'right' ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number);
  const line = (cells: readonly string[]): string => `| ${columns.map((_, i) => cell(cells[i] ?? '', i)).join(' | ')} |`;
  const dashes = columns.map((c, i) =>
    c.align === 'right' ? `${'-'.repeat((widths[i] as number) + 1)}:` : '-'.repeat((widths[i] as number) + 2),
  );
  const rule = `|${dashes.join('|')}|`;
  return [line(columns.map((c) => c.title)), rule, ...rows.map(line)].join('\n');
}

export function fmtRps(x: number): string {
  return x >= 100 ? Math.round(x).toString() : x.toFixed(1);
}

export function fmtMs(x: number): string {
  return x >= 100 ? Math.round(x).toString() : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

export function fmtRatio(x: number | undefined): string {
  return x === undefined ? '—' : `${Math.round(x * 100)}%`;
}

/** "client/master/workers/others" in percent of one core, e.g. "98/1/97/3". */
export function fmtCpu(cpu: CpuSplit): string {
  const p = (x: number): string => Math.round(x * 100).toString();
  return `${p(cpu.client)}/${p(cpu.master)}/${p(cpu.workers)}/${p(cpu.others)}`;
}

export function fmtDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
