// Errors of the journal. Each is a KafkaError subclass, so the producer can hand them to its callers
// unchanged and `instanceof` works across the ESM and CommonJS copies of the package.
import { KafkaError, type KafkaErrorOptions } from '../errors/kafka-error.js';

/**
 * A journal file holds bytes that cannot be a journal written by this package, at a place that a
 * crash cannot explain: a CRC mismatch or an impossible length before the last frame of the last
 * segment, an entry that does not decode, a missing segment, or entries that contradict each
 * other. Nothing is repaired: the file is left as it is for a person to look at.
 */
export class JournalCorruptedError extends KafkaError {
  static readonly kind: string = 'JournalCorruptedError';
  /** The file at fault. */
  readonly file: string;
  /** Byte offset in `file` of the frame at fault (-1 when the problem is not one frame). */
  readonly offset: number;
  constructor(file: string, offset: number, problem: string) {
    super('JOURNAL_CORRUPTED', `Journal file ${file} is corrupted${offset >= 0 ? ` at byte ${offset}` : ''}: ${problem}`);
    this.file = file;
    this.offset = offset;
  }
}

/** Another live process (or another journal of this process) holds the directory's lock. */
export class JournalLockedError extends KafkaError {
  static readonly kind: string = 'JournalLockedError';
  /** The journal directory. */
  readonly directory: string;
  /** The process holding the lock. */
  readonly pid: number;
  constructor(directory: string, pid: number, detail: string) {
    super('JOURNAL_LOCKED', `Journal directory ${directory} is locked by process ${pid}${pid === process.pid ? ' (this process)' : ''}: ${detail}`);
    this.directory = directory;
    this.pid = pid;
  }
}

/**
 * The journal holds `maxBytes` and cannot take the record until settled segments are deleted.
 * Retriable: space comes back as acknowledgements arrive (wait with `Journal.whenRoom`).
 */
export class JournalFullError extends KafkaError {
  static readonly kind: string = 'JournalFullError';
  /** Bytes the refused entry needs. */
  readonly needed: number;
  /** Bytes the journal holds now. */
  readonly used: number;
  /** The journal's limit. */
  readonly maxBytes: number;
  constructor(needed: number, used: number, maxBytes: number) {
    super('JOURNAL_FULL', `The journal is full: ${used} of ${maxBytes} bytes (maxBytes) in use, ${needed} more needed`, { retriable: true });
    this.needed = needed;
    this.used = used;
    this.maxBytes = maxBytes;
  }
}

/**
 * Writing, syncing or deleting a journal file failed (disk full, I/O error, permissions). The
 * journal stops: what reached the disk is unknown, so it takes no further entries; reopening the
 * directory recovers what is there.
 */
export class JournalWriteError extends KafkaError {
  static readonly kind: string = 'JournalWriteError';
  constructor(message: string, options: KafkaErrorOptions = {}) {
    super('JOURNAL_WRITE_FAILED', message, options);
  }
}

/** The journal was closed (or failed) before the operation. */
export class JournalClosedError extends KafkaError {
  static readonly kind: string = 'JournalClosedError';
  constructor(message = 'The journal is closed', options: KafkaErrorOptions = {}) {
    super('JOURNAL_CLOSED', message, options);
  }
}
