/** One bar (or stack of bars) of a chart. */
export interface BarDatum {
  /** Category label under the bar. */
  readonly label: string;
  /** One value per series (stacked bottom to top). */
  readonly values: readonly number[];
}

/** A series of a bar chart. */
export interface BarSeries {
  /** Name shown in the legend. */
  readonly name: string;
  /** Fill colour. */
  readonly color: string;
}

/** Options of {@link barChartSvg}. */
export interface BarChartOptions {
  /** Element id of the SVG (so that a test or a stylesheet can find the chart). */
  readonly id?: string;
  /** Chart title (also the SVG's accessible title). */
  readonly title: string;
  /** The bars. */
  readonly data: readonly BarDatum[];
  /** The series, one per value of each bar. */
  readonly series: readonly BarSeries[];
  /** Width in px (default 720). */
  readonly width?: number;
  /** Height in px (default 280). */
  readonly height?: number;
  /** Label of the value axis. */
  readonly yLabel?: string;
  /** Show every nth category label (default: all when they fit). */
  readonly labelEvery?: number;
}

/** Escapes text for HTML and SVG. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(1);
}

/**
 * Renders a (stacked) bar chart as a self-contained SVG string: no script, no network, so the report
 * opens from a file in any browser and prints as it shows.
 */
export function barChartSvg(o: BarChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 280;
  const left = 56;
  const right = 12;
  const top = 34;
  const bottom = 46;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const totals = o.data.map((d) => d.values.reduce((a, b) => a + b, 0));
  const max = niceMax(Math.max(0, ...totals));
  const step = o.data.length > 0 ? plotW / o.data.length : plotW;
  const barW = Math.max(1, step * 0.72);
  const every = o.labelEvery ?? Math.max(1, Math.ceil(o.data.length / Math.floor(plotW / 38)));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg"${o.id === undefined ? "" : ` id="${escapeHtml(o.id)}"`} class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeHtml(o.title)}</title>`,
    `<text x="${left}" y="18" class="chart-title">${escapeHtml(o.title)}</text>`,
  );
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = top + plotH - (plotH * i) / 4;
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`,
      `<text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(v)}</text>`,
    );
  }
  o.data.forEach((d, i) => {
    const x = left + i * step + (step - barW) / 2;
    let base = top + plotH;
    d.values.forEach((v, s) => {
      const h = (plotH * v) / max;
      base -= h;
      const color = o.series[s]?.color ?? "#888";
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${base.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}" class="bar"><title>${escapeHtml(`${d.label} · ${o.series[s]?.name ?? ""}: ${fmt(v)}`)}</title></rect>`,
      );
    });
    if (i % every === 0)
      parts.push(
        `<text x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" class="tick">${escapeHtml(d.label)}</text>`,
      );
  });
  if (o.yLabel)
    parts.push(
      `<text transform="translate(14 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" class="tick">${escapeHtml(o.yLabel)}</text>`,
    );
  let lx = left;
  for (const s of o.series) {
    parts.push(
      `<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${lx + 14}" y="${height - 7}" class="tick">${escapeHtml(s.name)}</text>`,
    );
    lx += 24 + s.name.length * 8;
  }
  parts.push("</svg>");
  return parts.join("");
}
