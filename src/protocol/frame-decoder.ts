// Splits a TCP byte stream into Kafka frames (4-byte big-endian size, then the frame). Guards the
// declared size so a garbled prefix cannot make the client buffer gigabytes.
import { MalformedResponseError } from '../errors/kafka-error.js';

const EMPTY = Buffer.alloc(0);

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(private readonly maxFrameSize: number) {}

  /** Feeds bytes; calls `onFrame` for each complete frame (without its size prefix). */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) return;
        const size = this.peekSize();
        if (size < 0 || size > this.maxFrameSize) {
          throw new MalformedResponseError(
            `frame size ${size} is outside 0..${this.maxFrameSize}; the stream is garbled or the peer is not a Kafka broker`,
          );
        }
        this.consume(4);
        this.expected = size;
      }
      if (this.buffered < this.expected) return;
      const frame = this.take(this.expected);
      this.expected = -1;
      onFrame(frame);
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.take(4, false).readInt32BE(0);
  }

  private consume(size: number): void {
    this.take(size);
  }

  // Takes `size` bytes from the front; a view when they lie in one chunk, a copy otherwise.
  private take(size: number, remove = true): Buffer {
    if (size === 0) return EMPTY;
    const first = this.chunks[0]!;
    let result: Buffer;
    if (first.length >= size) {
      result = first.subarray(0, size);
      if (remove) {
        if (first.length === size) this.chunks.shift();
        else this.chunks[0] = first.subarray(size);
      }
    } else {
      result = Buffer.allocUnsafe(size);
      let copied = 0;
      let index = 0;
      while (copied < size) {
        const chunk = this.chunks[index]!;
        const part = Math.min(chunk.length, size - copied);
        chunk.copy(result, copied, 0, part);
        copied += part;
        if (remove) {
          if (part === chunk.length) this.chunks.shift();
          else this.chunks[0] = chunk.subarray(part);
        } else {
          index++;
        }
      }
    }
    if (remove) this.buffered -= size;
    return result;
  }
}
