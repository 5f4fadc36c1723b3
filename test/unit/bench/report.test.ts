import { describe, expect, it } from 'vitest';
import { estimateSeconds, profile } from '../../../bench/lib/cases.js';
import { logBounds, renderChart } from '../../../bench/lib/svg-chart.js';
import { markdownTable } from '../../../src/bench/table.js';

describe('svg chart', () => {
  it('draws measured lines solid with points and theory lines dashed', () => {
    const svg = renderChart({
      title: 'a <b>',
      xLabel: 'workers',
      yLabel: 'req/s',
      xValues: [1, 2, 4],
      series: [
        {
          name: 'sleep',
          color: '#123456',
          points: [
            [1, 97],
            [2, 190],
            [4, 380],
          ],
        },
        {
          name: 'sleep theory',
          color: '#123456',
          dashed: true,
          points: [
            [1, 100],
            [2, 200],
            [4, 400],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2); // the line and its legend swatch
    expect(svg.match(/<circle /g)).toHaveLength(3);
  });

  it('spans whole decades on the log axis', () => {
    expect(logBounds(97, 45_000)).toEqual([10, 100_000]);
    expect(logBounds(100, 100)).toEqual([100, 1000]);
  });
});

describe('markdown table', () => {
  it('pads cells and right-aligns numbers', () => {
    expect(
      markdownTable(
        [{ title: 'a' }, { title: 'n', align: 'right' }],
        [
          ['x', '1'],
          ['yy', '22'],
        ],
      ),
    ).toBe(['| a   |   n |', '|-----|----:|', '| x   |   1 |', '| yy  |  22 |'].join('\n'));
  });
});

describe('profiles', () => {
  it('keeps --quick under 3 minutes and covers every handler, class and baseline', () => {
    const quick = profile('quick');
    expect(estimateSeconds(quick)).toBeLessThan(170);
    const handlers = new Set(quick.groups.map((g) => g.handler));
    expect([...handlers].sort()).toEqual(['cpu', 'hello', 'io', 'sleep-async', 'sleep-blocking']);
    expect(new Set(quick.groups.map((g) => g.server))).toEqual(new Set(['tsgun', 'single', 'cluster-rr', 'cluster-none', 'gunicorn']));
  });

  it('sweeps 1–16 workers, both classes and both connection modes in the full profile', () => {
    const full = profile('full');
    const tsgun = full.groups.filter((g) => g.server === 'tsgun');
    expect([...new Set(tsgun.map((g) => g.workers))]).toEqual([1, 2, 4, 8, 16]);
    expect(new Set(tsgun.map((g) => g.workerClass))).toEqual(new Set(['sync', 'async']));
    expect(new Set(tsgun.flatMap((g) => g.runs.map((r) => r.mode)))).toEqual(new Set(['keep-alive', 'close']));
  });
});
