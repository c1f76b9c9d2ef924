// A status line on stderr, rewritten periodically while a command runs: in place on a terminal
// (every 500 ms), as a new line every 5 s otherwise, so that logs of long runs stay readable.

const TERMINAL_INTERVAL_MS = 500;
const LOG_INTERVAL_MS = 5000;

export class StatusLine {
  private readonly timer: NodeJS.Timeout;
  private readonly inPlace: boolean;
  private drawn = false;

  constructor(
    private readonly render: () => string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.inPlace = stream.isTTY === true;
    this.timer = setInterval(() => this.draw(), this.inPlace ? TERMINAL_INTERVAL_MS : LOG_INTERVAL_MS);
    // The line is decoration: it must never keep the process alive.
    this.timer.unref();
  }

  /** Stops the updates and clears the line on a terminal, so the summary starts on a clean line. */
  stop(): void {
    clearInterval(this.timer);
    if (this.inPlace && this.drawn) this.stream.write('\r\u001b[K');
  }

  private draw(): void {
    const text = this.render();
    if (this.inPlace) this.stream.write(`\r${text}\u001b[K`);
    else this.stream.write(`${text}\n`);
    this.drawn = true;
  }
}
