/**
 * A small line chart as SVG text: categorical x (worker counts), logarithmic y (req/s spans
 * three decades between hello and a 100 ms handler), solid measured lines, dashed theory lines.
 * Pure: no DOM, no dependencies; the output is a standalone .svg file.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** [x value, y value]; x must be one of the chart's xValues. */
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xValues: readonly number[];
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'] as const;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Powers of ten covering [min, max], at least one decade. */
export function logBounds(min: number, max: number): [number, number] {
  const lo = 10 ** Math.floor(Math.log10(Math.max(min, 1e-3)));
  let hi = 10 ** Math.ceil(Math.log10(Math.max(max, 1e-3)));
  if (hi <= lo) hi = lo * 10;
  return [lo, hi];
}

export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 440;
  const m = { left: 70, right: 190, top: 40, bottom: 50 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const ys = spec.series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0);
  const [lo, hi] = ys.length > 0 ? logBounds(Math.min(...ys), Math.max(...ys)) : [1, 10];
  const xAt = (x: number): number => {
    const i = spec.xValues.indexOf(x);
    const n = Math.max(1, spec.xValues.length - 1);
    return m.left + (spec.xValues.length === 1 ? plotW / 2 : (i / n) * plotW);
  };
  const yAt = (y: number): number =>
    m.top + plotH - ((Math.log10(Math.max(y, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  // Grid: every 1, 2, 5 × 10^k inside the range; labels on the decades and the 2s/5s.
  for (let decade = lo; decade < hi * 1.0001; decade *= 10) {
    for (const k of [1, 2, 5]) {
      const v = decade * k;
      if (v > hi * 1.0001) break;
      const y = yAt(v).toFixed(1);
      out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" stroke="${k === 1 ? '#bbb' : '#e5e5e5'}"/>`);
      out.push(
        `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#444">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
      );
    }
  }
  for (const x of spec.xValues) {
    const px = xAt(x).toFixed(1);
    out.push(`<line x1="${px}" x2="${px}" y1="${m.top}" y2="${m.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${px}" y="${m.top + plotH + 18}" text-anchor="middle" fill="#444">${x}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => spec.xValues.includes(x) && y > 0);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (pts.length > 1) {
      const d = pts.map(([x, y]) => `${xAt(x).toFixed(1)},${yAt(y).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    if (!s.dashed) {
      for (const [x, y] of pts) out.push(`<circle cx="${xAt(x).toFixed(1)}" cy="${yAt(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    const ly = m.top + 10 + i * 20;
    const lx = m.left + plotW + 14;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
