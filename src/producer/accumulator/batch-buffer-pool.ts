// Batch buffers of exactly batchSize bytes, kept for reuse once the batch written into one no
// longer needs it. Writing into a fresh buffer costs more than the bytes copied into it: the
// operating system maps and zeroes each page on first touch, which under load can cost more than
// encoding the records. A reused buffer's pages are mapped already. The pool is small and bounded:
// under steady load buffers come back about as fast as new batches take them.

export class BatchBufferPool {
  private readonly free: Buffer[] = [];

  /** `bufferSize`: the size of every buffer; `limit`: how many free buffers are kept at most. */
  constructor(
    readonly bufferSize: number,
    private readonly limit: number,
  ) {}

  /** A buffer of `bufferSize` bytes, with arbitrary contents: a reused one when there is one. */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.bufferSize);
  }

  /** Takes back `buffer`, which nothing reads or writes any more; kept while under the limit. */
  give(buffer: Buffer): void {
    if (buffer.length === this.bufferSize && this.free.length < this.limit) this.free.push(buffer);
  }

  /** Free buffers waiting for reuse. */
  get available(): number {
    return this.free.length;
  }
}
