// Writes frames to segment files with group commit. Appending only reserves room in an in-memory
// buffer, so it is synchronous and cheap; a commit then writes everything reserved since the last
// one with one vectored write per segment and one fsync, and resolves every promise waiting for
// those entries together. One commit runs at a time: entries appended while an fsync is under way
// wait for the next commit, which is how callers of the same moment share an fsync.
//
// When the next commit starts depends on the sync policy: 'always' and 'none' commit at the end
// of the event-loop turn that appended (setImmediate, so every append of the turn is in it) and
// right after a commit when more was appended meanwhile; 'interval' commits every syncIntervalMs
// while there is something to write. 'none' writes but does not fsync: what it wrote survives the
// process dying, not the machine.
//
// Segment files are deleted here too, but only once the entries that settled their contents are
// durable: deleting earlier could leave a journal whose surviving entries refer to lost ones.
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { JournalWriteError } from './journal-errors.js';
import { segmentFile } from './segment-files.js';

/** When appended entries are written and synced. */
export type SyncPolicy = 'always' | 'interval' | 'none';

/** Bytes of each in-memory chunk frames are reserved in (a larger frame gets a chunk of its own). */
const CHUNK_BYTES = 1024 * 1024;

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  // A failure is reported to whoever waits; nobody waiting is not an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** Frames reserved for one segment and not yet written. */
interface PendingWrite {
  readonly base: number;
  readonly chunks: Buffer[];
}

interface OpenSegment {
  readonly base: number;
  readonly handle: FileHandle;
  size: number;
}

export interface SegmentWriterOptions {
  readonly directory: string;
  readonly sync: SyncPolicy;
  readonly syncIntervalMs: number;
  /** The segment appends go to first, and its current size (an existing last segment, or a new one at 0). */
  readonly base: number;
  readonly size: number;
  /** Whether the segment file `base` exists (else the first commit creates it). */
  readonly exists: boolean;
  /** Number of the last entry already in the files (-1 when none): everything up to it is durable. */
  readonly durableNumber: number;
  /** Called after a segment file is deleted. */
  readonly onDeleted: (base: number) => void;
  /** Called once when a write, sync or delete fails; the writer takes nothing more. */
  readonly onFailed: (error: JournalWriteError) => void;
}

export class SegmentWriter {
  private readonly options: SegmentWriterOptions;
  /** Segments whose frames are reserved but not written, oldest first; the last is being filled. */
  private pending: PendingWrite[];
  private chunk: Buffer = Buffer.allocUnsafe(0);
  /** Start of the part of `chunk` not yet handed to a commit, and end of what is reserved in it. */
  private chunkStart = 0;
  private chunkUsed = 0;
  private file: OpenSegment | undefined;
  /** Whether the first segment's file exists, and its size then (where its next write goes). */
  private fileExists: boolean;
  private readonly resumeSize: number;
  /** Number of the last entry reserved, and of the last one durable. */
  private reservedNumber: number;
  private durable: number;
  /** The commit whose write or fsync is under way: it makes everything up to `upTo` durable. */
  private inflight: { readonly upTo: number; readonly done: Deferred } | undefined;
  /** Resolved by the commit after the one under way. */
  private next: Deferred | undefined;
  /** The commit loop, while it runs; only one runs at a time, so writes stay in order. */
  private running: Promise<void> | undefined;
  /** The next commit's timer or immediate. */
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** commit() was called: 'interval' commits again at once instead of waiting for its timer. */
  private commitRequested = false;
  /** Segments to delete once entries up to `after` are durable, in order. */
  private readonly deletions: { readonly base: number; readonly after: number }[] = [];
  private failure: JournalWriteError | undefined;
  private closed = false;

  constructor(options: SegmentWriterOptions) {
    this.options = options;
    this.pending = [{ base: options.base, chunks: [] }];
    this.fileExists = options.exists;
    this.resumeSize = options.size;
    this.reservedNumber = options.durableNumber;
    this.durable = options.durableNumber;
  }

  /** Number of the last durable entry (-1 when none). */
  get durableNumber(): number {
    return this.durable;
  }

  /** The write failure that stopped the writer, if any. */
  get failed(): JournalWriteError | undefined {
    return this.failure;
  }

  /**
   * Room for a frame of `size` bytes, the entry numbered `number` (one more than the last
   * reserved). The caller writes the frame at `offset` of `buffer` before the turn ends.
   */
  reserve(size: number, number: number): { buffer: Buffer; offset: number } {
    if (this.chunkUsed + size > this.chunk.length) this.newChunk(size);
    const offset = this.chunkUsed;
    this.chunkUsed += size;
    this.reservedNumber = number;
    if (this.scheduled === undefined) this.scheduleCommit();
    return { buffer: this.chunk, offset };
  }

  /** Frames reserved from now on go to a new segment whose first entry is `base`. */
  roll(base: number): void {
    this.cutChunk();
    this.pending.push({ base, chunks: [] });
  }

  /** Resolves once the entry numbered `number` (already reserved) is durable. */
  whenDurable(number: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (number <= this.durable) return Promise.resolve();
    if (this.inflight && number <= this.inflight.upTo) return this.inflight.done.promise;
    this.next ??= deferred();
    return this.next.promise;
  }

  /** Commits everything reserved so far, now or right after the commit under way. */
  commit(): Promise<void> {
    const promise = this.whenDurable(this.reservedNumber);
    if (this.reservedNumber > this.durable && !this.failure) {
      this.commitRequested = true;
      this.startSoon();
    }
    return promise;
  }

  /** Deletes the segment `base` once the entries up to `after` are durable. */
  deleteWhenDurable(base: number, after: number): void {
    this.deletions.push({ base, after });
    if (after <= this.durable) this.startSoon();
  }

  /** Commits what is reserved, performs the deletions that are due, and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.failure) {
        this.commitRequested = true;
        this.startSoon();
      }
      while (this.running || this.scheduled !== undefined) {
        if (this.scheduled !== undefined) this.startNow();
        await this.running;
      }
      if (this.failure) throw this.failure;
    } finally {
      this.closed = true;
      this.clearSchedule();
      await this.file?.handle.close().catch(() => {});
      this.file = undefined;
    }
  }

  private newChunk(size: number): void {
    this.cutChunk();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size));
    this.chunkStart = 0;
    this.chunkUsed = 0;
  }

  /** Hands the reserved, unwritten part of the chunk to the segment being filled. */
  private cutChunk(): void {
    if (this.chunkUsed === this.chunkStart) return;
    this.pending[this.pending.length - 1]!.chunks.push(this.chunk.subarray(this.chunkStart, this.chunkUsed));
    this.chunkStart = this.chunkUsed;
  }

  private scheduleCommit(): void {
    if (this.scheduled !== undefined || this.running || this.failure || this.closed) return;
    if (this.options.sync === 'interval') {
      this.scheduled = setTimeout(() => this.startNow(), this.options.syncIntervalMs);
    } else {
      this.scheduled = setImmediate(() => this.startNow());
    }
  }

  /** Starts the commit loop at the end of this turn; a running loop sees `commitRequested` instead. */
  private startSoon(): void {
    if (this.running || this.failure || this.closed) return;
    this.clearSchedule();
    this.scheduled = setImmediate(() => this.startNow());
  }

  private clearSchedule(): void {
    if (this.scheduled === undefined) return;
    clearTimeout(this.scheduled as NodeJS.Timeout);
    clearImmediate(this.scheduled as NodeJS.Immediate);
    this.scheduled = undefined;
  }

  private startNow(): void {
    this.clearSchedule();
    if (this.running || this.failure || this.closed) return;
    this.running = this.run().then(
      (waitForTimer) => {
        this.running = undefined;
        if (waitForTimer) this.scheduleCommit();
        else if (this.commitRequested || this.deletionDue()) this.startSoon();
      },
      (error: unknown) => {
        this.running = undefined;
        this.fail(error);
      },
    );
  }

  /** Commits until nothing is left to write; true when 'interval' should wait for its timer instead. */
  private async run(): Promise<boolean> {
    for (;;) {
      this.commitRequested = false;
      this.cutChunk();
      const upTo = this.reservedNumber;
      if (upTo > this.durable) {
        const writes = this.pending.filter((write) => write.chunks.length > 0);
        // The segment being filled stays the last pending one; what is taken here is written now.
        this.pending = [{ base: this.pending[this.pending.length - 1]!.base, chunks: [] }];
        const done = this.next ?? deferred();
        this.next = undefined;
        this.inflight = { upTo, done };
        for (const write of writes) await this.writeSegment(write);
        this.durable = upTo;
        this.inflight = undefined;
        done.resolve();
      }
      await this.deleteDue();
      if (this.reservedNumber <= this.durable) return false;
      // 'interval' waits for its timer unless someone asked to commit now.
      if (this.options.sync === 'interval' && !this.commitRequested) return true;
    }
  }

  private async writeSegment(write: PendingWrite): Promise<void> {
    let created = false;
    if (this.file?.base !== write.base) {
      // The previous segment was synced after its last write; it only needs closing.
      await this.file?.handle.close();
      this.file = undefined;
      const { path } = segmentFile(this.options.directory, write.base);
      const resuming = write.base === this.options.base && this.fileExists;
      const handle = await open(path, resuming ? 'r+' : 'wx');
      created = !resuming;
      this.file = { base: write.base, handle, size: resuming ? this.resumeSize : 0 };
      this.fileExists = false;
    }
    const file = this.file;
    let position = file.size;
    let buffers = write.chunks;
    let left = buffers.reduce((total, chunk) => total + chunk.length, 0);
    file.size += left;
    while (left > 0) {
      const { bytesWritten } = await file.handle.writev(buffers, position);
      position += bytesWritten;
      left -= bytesWritten;
      if (left > 0) buffers = remainder(buffers, bytesWritten);
    }
    if (this.options.sync !== 'none') {
      // datasync covers the data and the file size, which is all a reader needs.
      await file.handle.datasync();
      // A new file's name is in the directory, which has to be synced for the file to survive.
      if (created) await syncDirectory(this.options.directory);
    }
  }

  private deletionDue(): boolean {
    return this.deletions.length > 0 && this.deletions[0]!.after <= this.durable;
  }

  private async deleteDue(): Promise<void> {
    while (this.deletionDue()) {
      const { base } = this.deletions.shift()!;
      if (this.file?.base === base) {
        await this.file.handle.close();
        this.file = undefined;
      }
      try {
        await unlink(segmentFile(this.options.directory, base).path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      // Deletions must reach the disk in order: a later segment gone while an earlier one came
      // back after a power loss would leave a gap that recovery rightly calls corruption.
      if (this.options.sync !== 'none') await syncDirectory(this.options.directory);
      this.options.onDeleted(base);
    }
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    const failure =
      error instanceof JournalWriteError
        ? error
        : new JournalWriteError(`Writing the journal in ${this.options.directory} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    this.failure = failure;
    this.clearSchedule();
    this.inflight?.done.reject(failure);
    this.inflight = undefined;
    this.next?.reject(failure);
    this.next = undefined;
    this.options.onFailed(failure);
  }
}

/** `buffers` without their first `written` bytes. */
function remainder(buffers: readonly Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const buffer of buffers) {
    if (written >= buffer.length) {
      written -= buffer.length;
      continue;
    }
    rest.push(written > 0 ? buffer.subarray(written) : buffer);
    written = 0;
  }
  return rest;
}

/** fsync of a directory, where the platform allows it (Windows does not open directories). */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}
