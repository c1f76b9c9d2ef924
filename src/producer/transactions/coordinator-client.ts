// Requests to a coordinator (of a transactional id or of a consumer group): finds it with
// FindCoordinator, sends, and retries what Kafka says is worth retrying (coordinator moved, loading,
// a concurrent transaction, connection trouble) with backoff until a deadline (maxBlockMs).
import type { Cluster } from '../../cluster/cluster.js';
import { brokerErrorByCode, ErrorCode } from '../../errors/broker-error-codes.js';
import { BrokerError, KafkaError, ProducerFencedError } from '../../errors/kafka-error.js';
import type { Connection } from '../../network/connection.js';
import { backoffDelay } from '../../network/exponential-backoff.js';
import type { Clock } from '../../time/clock.js';
import { classify } from '../error-actions.js';

export const COORDINATOR_GROUP = 0;
export const COORDINATOR_TRANSACTION = 1;


export interface CoordinatorClientConfig {
  readonly cluster: Cluster;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Reads the time and waits out backoffs. */
  readonly clock: Clock;
}

export class CoordinatorClient {
  private readonly coordinators = new Map<string, number>();

  constructor(private readonly config: CoordinatorClientConfig) {}

  /**
   * Sends `send(connection)` to the coordinator of (`keyType`, `key`) and returns its answer once
   * its error code (read by `errorOf`) is 0, retrying retriable failures until `deadline`.
   */
  request<T>(
    keyType: number,
    key: string,
    what: string,
    deadline: number,
    send: (connection: Connection) => Promise<T>,
    errorOf: (answer: T) => number,
  ): Promise<T> {
    const cacheKey = `${keyType}/${key}`;
    return this.retrying(what, deadline, async () => {
      let answer: T;
      try {
        const connection = await this.coordinator(keyType, key, deadline);
        answer = await send(connection);
      } catch (error) {
        // The coordinator's broker cannot be reached (it crashed, or left the cluster): its
        // coordinators move to other brokers, so the next attempt looks it up again, as Java's
        // client does on a disconnection.
        if (error instanceof KafkaError && error.retriable) this.coordinators.delete(cacheKey);
        throw error;
      }
      const code = errorOf(answer);
      if (classify(code, 'coordinator') === 'find-coordinator') this.coordinators.delete(cacheKey);
      return { answer, code };
    });
  }

  private async coordinator(keyType: number, key: string, deadline: number): Promise<Connection> {
    const cacheKey = `${keyType}/${key}`;
    const cluster = this.config.cluster;
    let nodeId = this.coordinators.get(cacheKey);
    if (nodeId === undefined) {
      const found = await this.retrying(`FindCoordinator for '${key}'`, deadline, async () => {
        const connection = await cluster.anyConnection();
        const response = await connection.request('FindCoordinator', { key, keyType, coordinatorKeys: [key] });
        const entry = response.coordinators?.[0];
        const answer = entry ? { nodeId: entry.nodeId, code: entry.errorCode } : { nodeId: response.nodeId ?? -1, code: response.errorCode ?? 0 };
        return { answer, code: answer.code };
      });
      nodeId = found.nodeId;
      if (!cluster.metadata.brokers.has(nodeId)) await cluster.refreshMetadata();
      this.coordinators.set(cacheKey, nodeId);
    }
    return cluster.connectionTo(nodeId);
  }

  private async retrying<T>(what: string, deadline: number, attempt: () => Promise<{ answer: T; code: number }>): Promise<T> {
    for (let count = 0; ; count++) {
      let code: number;
      let failure: KafkaError | undefined;
      try {
        const result = await attempt();
        if (result.code === ErrorCode.NONE) return result.answer;
        code = result.code;
      } catch (error) {
        if (!(error instanceof KafkaError) || !error.retriable) throw error;
        failure = error;
        code = -1;
      }
      const info = brokerErrorByCode(code);
      const action = failure ? 'retry' : classify(code, 'coordinator');
      if (action === 'fenced') {
        throw new ProducerFencedError(
          `${what} failed: ${info.name}: the coordinator has a newer epoch for this transactional id (a newer producer with the same id took over, or the coordinator aborted a transaction that outlived transactionTimeoutMs)`,
          { brokerErrorCode: code, brokerErrorName: info.name },
        );
      }
      const retriable = action === 'retry' || action === 'find-coordinator';
      const delay = backoffDelay({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, count);
      if (!retriable || this.config.clock.now() + delay > deadline) {
        if (failure) throw failure;
        const gaveUp = retriable ? ` (still failing after ${count + 1} attempts, when maxBlockMs ran out)` : '';
        throw new BrokerError(info.name, `${what} failed: ${info.name} (${code}): ${info.description}${gaveUp}`, {
          retriable: info.retriable,
          brokerErrorCode: code,
          brokerErrorName: info.name,
        });
      }
      await new Promise<void>((resolve) => this.config.clock.setTimer(resolve, delay));
    }
  }
}
