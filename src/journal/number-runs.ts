// Ascending entry numbers as runs of consecutive numbers. A batch's records were appended one
// after another, mostly with no other record of the same partition in between, so a batch of a
// thousand records is usually one run: two varints on disk instead of a thousand numbers.
import { EntryDecodeError, type EntryReader, sizeOfUnsignedVarLong, writeUnsignedVarLong } from './entry-bytes.js';

/**
 * Runs as a flat array: `[start, count, start, count, ...]`, starts ascending, each run starting
 * after the end of the one before it, every count at least 1.
 */
export type NumberRuns = readonly number[];

/**
 * The runs of `numbers`, which must be strictly ascending non-negative safe integers; a TypeError
 * names `what` otherwise (the caller's bug, caught before anything is written).
 */
export function toRuns(numbers: readonly number[], what: string): number[] {
  const runs: number[] = [];
  let previous = -1;
  for (let index = 0; index < numbers.length; index++) {
    const number = numbers[index]!;
    if (!Number.isSafeInteger(number) || number <= previous) {
      throw new TypeError(`${what} must be strictly ascending entry numbers; got ${number} after ${previous < 0 ? 'the start' : previous}`);
    }
    if (number === previous + 1 && runs.length > 0) runs[runs.length - 1]!++;
    else runs.push(number, 1);
    previous = number;
  }
  return runs;
}

/** How many numbers the runs hold. */
export function countOfRuns(runs: NumberRuns): number {
  let count = 0;
  for (let index = 1; index < runs.length; index += 2) count += runs[index]!;
  return count;
}

/** The numbers of the runs, in order. */
export function numbersOfRuns(runs: NumberRuns): number[] {
  const numbers: number[] = [];
  for (let index = 0; index < runs.length; index += 2) {
    const start = runs[index]!;
    const end = start + runs[index + 1]!;
    for (let number = start; number < end; number++) numbers.push(number);
  }
  return numbers;
}

// On disk: the run count, then per run the gap since the end of the previous run (the first run's
// start for the first) and the count. Gaps keep the numbers small whatever the journal's age.
export function sizeOfRuns(runs: NumberRuns): number {
  let size = sizeOfUnsignedVarLong(runs.length / 2);
  let end = 0;
  for (let index = 0; index < runs.length; index += 2) {
    size += sizeOfUnsignedVarLong(runs[index]! - end) + sizeOfUnsignedVarLong(runs[index + 1]!);
    end = runs[index]! + runs[index + 1]!;
  }
  return size;
}

export function writeRuns(buffer: Buffer, offset: number, runs: NumberRuns): number {
  offset = writeUnsignedVarLong(buffer, offset, runs.length / 2);
  let end = 0;
  for (let index = 0; index < runs.length; index += 2) {
    offset = writeUnsignedVarLong(buffer, offset, runs[index]! - end);
    offset = writeUnsignedVarLong(buffer, offset, runs[index + 1]!);
    end = runs[index]! + runs[index + 1]!;
  }
  return offset;
}

/**
 * Reads runs that must all lie below `limit` (the number of the entry holding them: an entry only
 * refers to entries before it), which also bounds what a damaged count can claim.
 */
export function readRuns(reader: EntryReader, limit: number, what: string): number[] {
  const pairs = reader.unsignedVarLong(`the run count of ${what}`);
  const runs: number[] = [];
  let end = 0;
  for (let index = 0; index < pairs; index++) {
    const start = end + reader.unsignedVarLong(`a run start of ${what}`);
    const count = reader.unsignedVarLong(`a run length of ${what}`);
    if (count === 0 || start + count > limit) {
      throw new EntryDecodeError(`${what} holds the run ${start}+${count}, which is empty or not before the entry itself (${limit})`);
    }
    runs.push(start, count);
    end = start + count;
  }
  return runs;
}
