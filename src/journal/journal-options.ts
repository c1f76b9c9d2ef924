// The journal's options, their defaults and their checks. A bad value is refused when the journal
// is opened, naming the option (as `journal.<name>`, the producer option it will be) and what it
// accepts.
import { ConfigError } from '../errors/kafka-error.js';
import type { JournalLogger } from './directory-lock.js';
import type { SyncPolicy } from './segment-writer.js';

/** Options of {@link Journal.open}. */
export interface JournalOptions {
  /** The journal's directory; created when missing. One journal uses a directory at a time. */
  directory: string;
  /**
   * When appended entries reach the disk: `'always'` (default) writes and fsyncs at the end of
   * each event-loop turn that appended, one fsync for every entry of the turn; `'interval'` every
   * `syncIntervalMs`; `'none'` writes at the end of the turn without fsync (survives the process
   * dying, not the machine).
   */
  sync?: SyncPolicy | undefined;
  /** Milliseconds between commits with `sync: 'interval'`. Default 5. */
  syncIntervalMs?: number | undefined;
  /**
   * Bytes the journal's files may hold (default 1 GiB). A record that does not fit is refused
   * with JournalFullError until settled segments are deleted; the small entries that settle
   * records are always taken, so the files may exceed it by those.
   */
  maxBytes?: number | undefined;
  /** A segment file is closed and a new one started past this size. Default 64 MiB. */
  segmentBytes?: number | undefined;
  /** Told when the journal takes over a stale lock or cuts a torn tail. */
  logger?: JournalLogger | undefined;
}

export interface ResolvedJournalOptions {
  readonly directory: string;
  readonly sync: SyncPolicy;
  readonly syncIntervalMs: number;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly logger: JournalLogger | undefined;
}

const KNOWN = ['directory', 'sync', 'syncIntervalMs', 'maxBytes', 'segmentBytes', 'logger'];
const SYNC_POLICIES: readonly SyncPolicy[] = ['always', 'interval', 'none'];
/** A segment must hold a few entries' worth; smaller ones would mostly be copies of the identity. */
const MIN_SEGMENT_BYTES = 1024;

export function resolveJournalOptions(options: JournalOptions): ResolvedJournalOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError('journal', 'must be an object with at least { directory }');
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) throw new ConfigError(`journal.${key}`, `unknown option; known options: ${KNOWN.join(', ')}`);
  }
  const { directory } = options;
  if (typeof directory !== 'string' || directory.trim() === '') throw new ConfigError('journal.directory', 'must be a non-empty path');
  const sync = options.sync ?? 'always';
  if (!SYNC_POLICIES.includes(sync)) throw new ConfigError('journal.sync', `must be one of ${SYNC_POLICIES.map((policy) => `'${policy}'`).join(', ')}, got ${JSON.stringify(sync)}`);
  const syncIntervalMs = integer('syncIntervalMs', options.syncIntervalMs, 5, 1, 60_000);
  const segmentBytes = integer('segmentBytes', options.segmentBytes, 64 * 1024 * 1024, MIN_SEGMENT_BYTES, 2 ** 31);
  const maxBytes = integer('maxBytes', options.maxBytes, 1024 * 1024 * 1024, MIN_SEGMENT_BYTES, Number.MAX_SAFE_INTEGER);
  if (maxBytes < segmentBytes) {
    throw new ConfigError('journal.maxBytes', `must be at least journal.segmentBytes (${segmentBytes}): space is freed a segment at a time, got ${maxBytes}`);
  }
  const { logger } = options;
  if (logger !== undefined && (typeof logger !== 'object' || logger === null)) throw new ConfigError('journal.logger', 'must be an object with warn() and info() methods');
  return { directory, sync, syncIntervalMs, maxBytes, segmentBytes, logger };
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`journal.${name}`, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}
