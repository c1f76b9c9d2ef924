// A one-line progress bar on stderr: redrawn in place on a terminal, a line per quarter otherwise
// (so CI logs stay short).

export class ProgressBar {
  private lastDrawn = 0;
  private lastQuarter = -1;
  private readonly interactive = process.stderr.isTTY === true;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  update(done: number, detail = ''): void {
    const now = Date.now();
    const fraction = this.total === 0 ? 1 : Math.min(1, done / this.total);
    if (this.interactive) {
      if (now - this.lastDrawn < 80 && done < this.total) return;
      this.lastDrawn = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      process.stderr.write(`\r${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${this.total} ${detail}\u001b[K`);
    } else {
      const quarter = Math.floor(fraction * 4);
      if (quarter === this.lastQuarter) return;
      this.lastQuarter = quarter;
      process.stderr.write(`${this.label} ${(fraction * 100).toFixed(0)}% (${done}/${this.total}) ${detail}\n`);
    }
  }

  finish(detail = ''): void {
    this.update(this.total, detail);
    if (this.interactive) process.stderr.write('\n');
  }
}
