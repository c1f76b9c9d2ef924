// The faults decided for one request before it is processed, merged from every intercept rule and
// the chaos mode: per-partition errors, a whole-request error, a delay, a throttle, a dropped
// response or a closed connection. Handlers and the router read it; nothing else changes it.
import type { ApiName } from '../../protocol/index.js';

/** A topic partition named by a request. */
export interface TopicPartitionName {
  readonly topic: string;
  readonly partition: number;
}

/** The APIs whose faults are decided per partition: the others fail as a whole. */
export const partitionedApis: ReadonlySet<ApiName> = new Set<ApiName>(['Produce', 'Fetch', 'ListOffsets']);

/** What a request is matched on. */
export interface RequestDescription {
  readonly api: ApiName;
  readonly brokerId: number;
  /** The partitions it names (Produce, Fetch and ListOffsets only). */
  readonly partitions: readonly TopicPartitionName[];
}

/** Key of a partition in {@link RequestFaults.partitionErrors}. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The faults to apply to one request. */
export class RequestFaults {
  /** Error codes by partitionKey(): those partitions are answered with the code and not processed. */
  readonly partitionErrors = new Map<string, number>();
  /** An error code for the whole request (APIs that are not partitioned). */
  requestError: number | undefined;
  delayMs = 0;
  throttleMs = 0;
  dropResponse = false;
  /** Process, but lose this answer and every later one of the connection. */
  loseResponses = false;
  closeConnection: 'before-append' | 'after-append' | undefined;

  /** The injected error for a partition, if any. */
  partitionError(topic: string, partition: number): number | undefined {
    return this.partitionErrors.get(partitionKey(topic, partition));
  }

  /** Sets an error on a partition (the first error set wins). */
  failPartition(topic: string, partition: number, errorCode: number): void {
    const key = partitionKey(topic, partition);
    if (!this.partitionErrors.has(key)) this.partitionErrors.set(key, errorCode);
  }

  /** Sets a connection close; closing before the append wins over closing after it. */
  close(when: 'before-append' | 'after-append'): void {
    if (this.closeConnection !== 'before-append') this.closeConnection = when;
  }
}
