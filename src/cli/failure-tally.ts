// Records that failed, grouped by error code: how many, the first few distinct messages (one code
// can fail records for different reasons: a batch refused, the batches behind it not resent), where
// the first few came from (a line of the input, a record number), and how many may have been
// written anyway.
// Printed at the end of a run so that the exit code's "something failed" comes with the why.
import { KafkaError } from '../errors/kafka-error.js';

const EXAMPLES_PER_CODE = 5;
const MESSAGES_PER_CODE = 3;
const MESSAGE_LIMIT = 400;

interface Group {
  count: number;
  possiblyPersisted: number;
  readonly messages: string[];
  readonly shapes: string[];
  readonly examples: string[];
}

/** The stable code of an error: a KafkaError's code, a Node error's code, else its class name. */
export function errorCode(error: unknown): string {
  if (error instanceof KafkaError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'ERROR';
}

export class FailureTally {
  private readonly groups = new Map<string, Group>();
  private failed = 0;

  /** Records that failed so far. */
  get total(): number {
    return this.failed;
  }

  /** Counts `count` records failed with `error`; `where` names the first of them (e.g. 'stdin:12'). */
  add(error: unknown, where?: string, count = 1): void {
    const code = errorCode(error);
    let group = this.groups.get(code);
    if (!group) {
      group = { count: 0, possiblyPersisted: 0, messages: [], shapes: [], examples: [] };
      this.groups.set(code, group);
    }
    const text = error instanceof Error ? error.message : String(error);
    const message = text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}...` : text;
    // Messages differing only in numbers (offsets, sequences, partitions) say the same thing once.
    const shape = message.replace(/\d+/g, '#');
    if (group.messages.length < MESSAGES_PER_CODE && !group.shapes.includes(shape)) {
      group.shapes.push(shape);
      group.messages.push(message);
    }
    group.count += count;
    if (error instanceof KafkaError && error.possiblyPersisted) group.possiblyPersisted += count;
    if (where !== undefined && group.examples.length < EXAMPLES_PER_CODE) group.examples.push(where);
    this.failed += count;
  }

  /** Failed records per error code. */
  counts(): Record<string, number> {
    return Object.fromEntries([...this.groups].map(([code, group]) => [code, group.count]));
  }

  /** The report, one paragraph per error code, most frequent first; empty when nothing failed. */
  lines(): string[] {
    if (this.failed === 0) return [];
    const lines = [`${this.failed} ${plural(this.failed, 'record')} failed:`];
    const groups = [...this.groups].sort((left, right) => right[1].count - left[1].count);
    for (const [code, group] of groups) {
      const written = group.possiblyPersisted > 0 ? `, ${group.possiblyPersisted} possibly written anyway` : '';
      const examples = group.examples.length > 0 ? ` (${group.examples.join(', ')}${group.count > group.examples.length ? ', ...' : ''})` : '';
      lines.push(`  ${code}: ${group.count} ${plural(group.count, 'record')}${written}${examples}`);
      for (const message of group.messages) lines.push(`    ${message}`);
    }
    return lines;
  }
}

export function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}
