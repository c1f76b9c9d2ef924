// The journal directory's LOCK file: one journal writes a directory at a time, since two would
// interleave entries and resend each other's batches. The lock names its holder (pid, host, start
// time). It is created complete in one step (written to a file of its own, then hard-linked to
// LOCK, which fails if LOCK exists), so no reader ever sees an empty lock. A lock whose process is
// gone (a crash) is stale and taken over, with a warning: the journal exists to survive crashes.
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { JournalLockedError } from './journal-errors.js';

/** The lock file's name in the journal directory. */
export const LOCK_FILE = 'LOCK';

/** Where the journal reports what it did on its own (a stale lock taken over). */
export interface JournalLogger {
  warn?(message: string, context?: Record<string, unknown>): void;
  info?(message: string, context?: Record<string, unknown>): void;
}

/** Who holds a lock, as its file says. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the holder took the lock (ISO 8601). */
  readonly startedAt: string;
}

/** Rounds of create / take over before giving up: each round another process won a race. */
const ATTEMPTS = 5;

export class DirectoryLock {
  private released = false;

  private constructor(
    /** The lock file. */
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Takes the lock of `directory` (which must exist). Throws JournalLockedError when a live
   * process holds it (this one included: a second journal on the same directory).
   */
  static async acquire(directory: string, logger?: JournalLogger): Promise<DirectoryLock> {
    const path = join(directory, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    const content = `${JSON.stringify(holder)}\n`;
    const scratch = join(directory, `${LOCK_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
    await writeFile(scratch, content, { flag: 'wx' });
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          await link(scratch, path);
          return new DirectoryLock(path, content);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const current = await readLock(path);
        // Gone between our attempt and the read: try again.
        if (current === undefined) continue;
        const parsed = parseLock(current);
        if (parsed && isAlive(parsed)) {
          throw new JournalLockedError(directory, parsed.pid, lockDetail(parsed, path));
        }
        if (await takeOver(path, current, scratch)) {
          const what = parsed ? `process ${parsed.pid} on ${parsed.host}, started ${parsed.startedAt}, is not running` : 'its content is not a lock this package wrote';
          logger?.warn?.(`Journal directory ${directory}: taking over a stale lock (${what})`, { directory, holder: parsed });
        }
      }
      const last = parseLock((await readLock(path)) ?? '');
      throw new JournalLockedError(directory, last?.pid ?? -1, `other processes kept taking the lock (${ATTEMPTS} attempts)`);
    } finally {
      await unlink(scratch).catch(() => {});
    }
  }

  /** Releases the lock, unless another process has taken it over meanwhile. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if ((await readLock(this.path)) === this.content) await unlink(this.path).catch(() => {});
  }
}

/** The holder named by the lock of `directory`, or undefined when there is no (readable) lock. */
export async function readLockHolder(directory: string): Promise<(LockHolder & { alive: boolean }) | undefined> {
  const parsed = parseLock((await readLock(join(directory, LOCK_FILE))) ?? '');
  return parsed ? { ...parsed, alive: isAlive(parsed) } : undefined;
}

async function readLock(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseLock(content: string): LockHolder | undefined {
  try {
    const value = JSON.parse(content) as Partial<LockHolder>;
    if (!Number.isSafeInteger(value.pid) || (value.pid as number) <= 0 || typeof value.host !== 'string' || typeof value.startedAt !== 'string') return undefined;
    return { pid: value.pid as number, host: value.host, startedAt: value.startedAt };
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder may still run. A process of another host cannot be checked, so it counts as
 * alive; EPERM means the process exists but belongs to another user.
 */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function lockDetail(holder: LockHolder, path: string): string {
  const where = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  return `held since ${holder.startedAt}${where}; only one producer may use a journal directory at a time (if that process is not a producer using it, delete ${path})`;
}

/**
 * Moves the stale lock aside and checks that what was moved is the stale lock that was judged:
 * two processes taking over at once cannot both succeed, and neither deletes a fresh lock the
 * other has just created. Returns whether the stale lock was removed.
 */
async function takeOver(path: string, stale: string, scratch: string): Promise<boolean> {
  const aside = `${scratch}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readLock(aside);
  if (moved !== stale) {
    // Someone else's fresh lock: put it back (link fails if yet another lock appeared meanwhile).
    await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
    return false;
  }
  await unlink(aside);
  return true;
}
