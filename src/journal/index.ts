// The producer's journal: local segment files that keep every record, batch and acknowledgement
// of an idempotent producer, so that a producer started after a crash resends exactly what was
// not acknowledged. See docs/journal-format.md for the files.
export type { JournalLogger, LockHolder } from './directory-lock.js';
export { Journal, type JournalStats } from './journal.js';
export type { JournalHeaders, JournalRecordInput } from './journal-entries.js';
export { JournalClosedError, JournalCorruptedError, JournalFullError, JournalLockedError, JournalWriteError } from './journal-errors.js';
export type { JournalBatchInput } from './journal-input.js';
export type { JournalOptions } from './journal-options.js';
export type { JournalIdentity, JournalRecovery, RecoveredBatch, RecoveredPartition, RecoveredRecord } from './journal-recovery.js';
export type { SyncPolicy } from './segment-writer.js';
