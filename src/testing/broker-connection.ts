// One client connection to a fake broker. Requests are processed one at a time in arrival order and
// answered in that order, as Kafka mutes a connection while a request is in progress: a delayed
// response holds back every later one. After a dropped response the connection is black-holed; after
// a final answer (a failed authentication) it closes once the answer is sent.
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import type { RequestOutcome } from './request-router.js';

/** Kafka's socket.request.max.bytes default: larger frames close the connection. */
const MAX_REQUEST_SIZE = 100 * 1024 * 1024;
/** How long a connection ended after a final answer waits for the client to close its side. */
const FINAL_ANSWER_LINGER_MS = 1000;

/** Processes one request frame, received at `receivedAt` (Date.now()); called for one frame at a time. */
export type FrameProcessor = (frame: Buffer, signal: AbortSignal, receivedAt: number) => Promise<RequestOutcome>;

interface ReceivedFrame {
  readonly frame: Buffer;
  readonly receivedAt: number;
}

/** The broker side of one TCP connection. */
export class BrokerConnection {
  private readonly decoder = new FrameDecoder(MAX_REQUEST_SIZE);
  private readonly frames: ReceivedFrame[] = [];
  private readonly abort = new AbortController();
  private processing = false;
  private blackHoled = false;
  /** Set by a one-way cut: requests are still processed, but nothing written reaches the client. */
  private responsesLost = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly processFrame: FrameProcessor,
    private readonly onError: (error: Error) => void,
    onClose: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => {
      this.close();
      onClose();
    });
  }

  /** Stops reading the socket (what the client writes stays in the kernel's buffers, then in its own). */
  pauseReading(): void {
    this.socket.pause();
  }

  /** Reads the socket again. */
  resumeReading(): void {
    this.socket.resume();
  }

  /** Closes the connection at once; requests in progress are not answered. */
  close(): void {
    this.socket.destroy();
    this.stopProcessing();
  }

  private stopProcessing(): void {
    if (this.closed) return;
    this.closed = true;
    this.frames.length = 0;
    this.abort.abort();
  }

  // Ends the connection after what was written (the final answer) has been flushed; a client that
  // does not close its side is cut off after a short linger.
  private closeAfterFlush(): void {
    this.stopProcessing();
    const timer = setTimeout(() => this.socket.destroy(), FINAL_ANSWER_LINGER_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
    this.socket.end();
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.blackHoled) return;
    try {
      const receivedAt = Date.now();
      this.decoder.push(chunk, (frame) => this.frames.push({ frame, receivedAt }));
    } catch {
      this.close();
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.frames.length > 0 && !this.closed && !this.blackHoled) {
        const received = this.frames.shift()!;
        await this.handle(received.frame, received.receivedAt);
      }
    } finally {
      this.processing = false;
    }
  }

  private async handle(frame: Buffer, receivedAt: number): Promise<void> {
    let outcome: RequestOutcome;
    try {
      outcome = await this.processFrame(frame, this.abort.signal, receivedAt);
    } catch (error) {
      this.onError(error instanceof Error ? error : new Error(String(error)));
      this.close();
      return;
    }
    switch (outcome.kind) {
      case 'close':
        this.close();
        return;
      case 'black-hole':
        this.blackHoled = true;
        this.frames.length = 0;
        return;
      case 'lose-responses':
        this.responsesLost = true;
        return;
      case 'silent':
        await this.wait(outcome.delayMs);
        return;
      case 'respond':
        await this.wait(outcome.delayMs);
        if (this.closed || this.responsesLost) return;
        if (outcome.thenClose) {
          this.socket.write(outcome.frame);
          this.closeAfterFlush();
        } else {
          await this.write(outcome.frame);
        }
    }
  }

  private async wait(delayMs: number): Promise<void> {
    if (delayMs <= 0 || this.closed) return;
    try {
      await sleep(delayMs, undefined, { signal: this.abort.signal });
    } catch {
      // Aborted: the connection closed while the response was held back.
    }
  }

  // Waits for the socket to drain before the next request, as a muted Kafka connection would.
  private write(frame: Buffer): Promise<void> {
    if (this.socket.write(frame)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.abort.signal.addEventListener('abort', done);
    });
  }
}
