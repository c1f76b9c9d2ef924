// The benchmark's results as an SVG chart, written by hand (no dependency): panels of grouped bars,
// one group per workload and broker, one bar per client in a colour of its own (the legend at the
// top), the value printed above each bar, and an optional min-max whisker over runs.

export interface ChartBar {
  readonly client: string;
  /** The bar's height (the median over runs); undefined draws no bar and prints n/a. */
  readonly value: number | undefined;
  /** The lowest and highest over runs, drawn as a whisker when they differ. */
  readonly range?: readonly [number, number];
}

export interface ChartGroup {
  /** Printed under the group, one line per entry (e.g. the workload, then the broker). */
  readonly label: readonly string[];
  readonly bars: readonly ChartBar[];
}

export interface ChartPanel {
  readonly title: string;
  /** The y axis's label, e.g. records/s. */
  readonly axis: string;
  readonly groups: readonly ChartGroup[];
  /** How a value is printed on its bar and on the axis. */
  readonly format: (value: number) => string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];
const BAR_WIDTH = 22;
const BAR_GAP = 2;
const GROUP_GAP = 28;
const MIN_GROUP_WIDTH = 96;
const PLOT_HEIGHT = 260;
const LEFT = 84;
const RIGHT = 24;
const CHAR_WIDTH = 6.6;

/** Records/s as 1.05M, 73.5k or 540. */
export function compactNumber(value: number): string {
  if (value === 0) return '0';
  // Three significant digits at most, without trailing zeros (80k, 1.5M, 73.5k).
  const digits = (scaled: number) => String(Number(scaled.toFixed(scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2)));
  if (value >= 1e6) return `${digits(value / 1e6)}M`;
  if (value >= 1e3) return `${digits(value / 1e3)}k`;
  return digits(value);
}

/** `line` cut after ', ' into lines of at most `width` characters where it can be. */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const part of line.split(/(?<=, )/)) {
    if (current !== '' && (current + part).length > width) {
      lines.push(current.trimEnd());
      current = '';
    }
    current += part;
  }
  if (current !== '') lines.push(current.trimEnd());
  return lines;
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An axis top at or above `max` with 4 to 6 round ticks (1, 2 or 5 times a power of ten). */
function ticksFor(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => max / candidate <= 5) ?? 10 * power;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, index) => index * step);
}

function groupWidth(group: ChartGroup): number {
  const bars = group.bars.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP;
  const label = Math.max(...group.label.map((line) => line.length * CHAR_WIDTH)) + 8;
  return Math.max(MIN_GROUP_WIDTH, bars, label);
}

/** The SVG document: `title` (its first line in bold), a legend of `clients` (in this order), then each panel. */
export function barChartSvg(title: readonly string[], clients: readonly string[], panels: readonly ChartPanel[]): string {
  const colour = new Map(clients.map((client, index) => [client, PALETTE[index % PALETTE.length]!]));
  // Wide enough for every group, the panels' titles and the first line of the title (in larger
  // fonts); the other lines are wrapped to that width.
  const plotWidth = Math.max(
    ...panels.map((panel) => panel.groups.reduce((sum, group) => sum + groupWidth(group) + GROUP_GAP, GROUP_GAP)),
    ...panels.map((panel) => panel.title.length * CHAR_WIDTH * 1.25),
    (title[0]?.length ?? 0) * CHAR_WIDTH * 1.35 - LEFT,
    480,
  );
  const width = LEFT + plotWidth + RIGHT;
  const out: string[] = [];
  let y = 10;
  title.forEach((line, index) => {
    const lines = index === 0 ? [line] : wrap(line, Math.floor((plotWidth + LEFT / 2) / CHAR_WIDTH));
    for (const text of lines) {
      y += index === 0 ? 18 : 16;
      out.push(`<text x="${LEFT}" y="${y}" font-size="${index === 0 ? 16 : 12}"${index === 0 ? ' font-weight="bold"' : ''}>${xmlText(text)}</text>`);
    }
  });
  // The legend, wrapped to the chart's width.
  y += 24;
  let x = LEFT;
  for (const client of clients) {
    const itemWidth = 22 + client.length * CHAR_WIDTH + 18;
    if (x + itemWidth > width - RIGHT && x > LEFT) {
      x = LEFT;
      y += 20;
    }
    out.push(`<rect x="${x.toFixed(1)}" y="${y - 11}" width="14" height="14" fill="${colour.get(client)}"/>`);
    out.push(`<text x="${(x + 20).toFixed(1)}" y="${y}" font-size="12">${xmlText(client)}</text>`);
    x += itemWidth;
  }
  y += 24;
  for (const panel of panels) {
    y = drawPanel(out, panel, colour, y, plotWidth);
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

/** Draws one panel from `top`; returns the y below it. */
function drawPanel(out: string[], panel: ChartPanel, colour: ReadonlyMap<string, string>, top: number, plotWidth: number): number {
  out.push(`<text x="${LEFT}" y="${top + 14}" font-size="14" font-weight="bold">${xmlText(panel.title)}</text>`);
  const plotTop = top + 30;
  const plotBottom = plotTop + PLOT_HEIGHT;
  // Headroom above the tallest bar (or whisker) for its printed value.
  const highest = Math.max(0, ...panel.groups.flatMap((group) => group.bars.map((bar) => Math.max(bar.value ?? 0, bar.range?.[1] ?? 0))));
  const ticks = ticksFor(highest * 1.18);
  const axisTop = ticks.at(-1)!;
  const scale = (value: number) => plotBottom - (value / axisTop) * PLOT_HEIGHT;
  for (const tick of ticks) {
    const tickY = scale(tick).toFixed(1);
    out.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${tickY}" y2="${tickY}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${LEFT - 6}" y="${tickY}" dy="4" font-size="11" text-anchor="end">${xmlText(panel.format(tick))}</text>`);
  }
  const middle = (plotTop + plotBottom) / 2;
  out.push(`<text x="18" y="${middle}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${middle})">${xmlText(panel.axis)}</text>`);
  out.push(`<line x1="${LEFT}" x2="${LEFT}" y1="${plotTop}" y2="${plotBottom}" stroke="#333"/>`);
  out.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${plotBottom}" y2="${plotBottom}" stroke="#333"/>`);
  let x = LEFT + GROUP_GAP;
  for (const group of panel.groups) {
    const widthOfGroup = groupWidth(group);
    const barsWidth = group.bars.length * (BAR_WIDTH + BAR_GAP) - BAR_GAP;
    let barX = x + (widthOfGroup - barsWidth) / 2;
    for (const bar of group.bars) {
      const centre = barX + BAR_WIDTH / 2;
      let labelY = plotBottom - 4;
      if (bar.value !== undefined) {
        const barTop = scale(bar.value);
        out.push(
          `<rect x="${barX.toFixed(1)}" y="${barTop.toFixed(1)}" width="${BAR_WIDTH}" height="${(plotBottom - barTop).toFixed(1)}" fill="${colour.get(bar.client) ?? '#999'}"><title>${xmlText(`${bar.client}: ${panel.format(bar.value)}`)}</title></rect>`,
        );
        labelY = barTop - 4;
        if (bar.range && bar.range[0] !== bar.range[1]) {
          const [low, high] = bar.range.map(scale) as [number, number];
          out.push(`<line x1="${centre.toFixed(1)}" x2="${centre.toFixed(1)}" y1="${low.toFixed(1)}" y2="${high.toFixed(1)}" stroke="#222" stroke-width="1.2"/>`);
          for (const end of [low, high]) {
            out.push(`<line x1="${(centre - 4).toFixed(1)}" x2="${(centre + 4).toFixed(1)}" y1="${end.toFixed(1)}" y2="${end.toFixed(1)}" stroke="#222" stroke-width="1.2"/>`);
          }
          labelY = Math.min(labelY, high - 4);
        }
      }
      const text = bar.value === undefined ? 'n/a' : panel.format(bar.value);
      out.push(
        `<text x="${centre.toFixed(1)}" y="${labelY.toFixed(1)}" dy="4" font-size="10" transform="rotate(-90 ${centre.toFixed(1)} ${labelY.toFixed(1)})">${xmlText(text)}</text>`,
      );
      barX += BAR_WIDTH + BAR_GAP;
    }
    group.label.forEach((line, index) => {
      out.push(
        `<text x="${(x + widthOfGroup / 2).toFixed(1)}" y="${plotBottom + 16 + index * 14}" font-size="11" text-anchor="middle"${index === 0 ? ' font-weight="bold"' : ''}>${xmlText(line)}</text>`,
      );
    });
    x += widthOfGroup + GROUP_GAP;
  }
  const lines = Math.max(1, ...panel.groups.map((group) => group.label.length));
  return plotBottom + 16 + lines * 14 + 20;
}
