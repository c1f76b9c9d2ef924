// The demo's fault plan for the embedded FakeCluster. The default ('realistic') injects only what
// real brokers do: lost acknowledgements, retriable errors, dropped connections, slow responses,
// leader moves, a broker restart and a topic limit below the batch size (the fullest batches are
// refused as too large, split and resent), plus what
// real applications do: an event-loop stall longer than the request timeout. 'harsh' adds a fault no real broker has, producer state lost
// mid-stream while the producer's batches stay in the log, to show the client's worst case: records
// in flight at that moment may then be rejected as possibly written.
import { blockEventLoop } from '../testing/faults/event-loop-stall.js';
import type { ChaosHandle, FakeCluster, InterceptHandle } from '../testing/index.js';

/** Which faults the demo injects into its embedded cluster. */
export type DemoFaults = 'none' | 'realistic' | 'harsh';

/** The faults of one demo run. */
export interface FaultPlan {
  /** One line saying what is injected. */
  readonly description: string;
  /** Called before record `number` is sent: fires the faults planned at that point. */
  beforeRecord(number: number): Promise<void>;
  /** Stops the faults. */
  stop(): void;
  /** What was injected, for the result table. */
  summary(): string;
}

const LEADER_MOVE_EVERY_MS = 300;
const RESTARTED_BROKER = 2;
const RESTART_AFTER_MS = 500;
// Slow responses: a run of Produce responses held back, short enough to stay within the demo's
// request timeout of 1 s even when several wait behind each other on one connection.
const SLOW_RESPONSE_MS = 50;
const SLOW_RESPONSES = 10;
const SLOW_AFTER_REQUESTS = 200;
// The topic's max.message.bytes, below the demo producer's batch size of 4096 bytes (as when a
// topic's limit is set lower than its clients' batch.size): the broker refuses the fullest batches
// as too large, every time, and the producer splits them.
const TOPIC_MAX_MESSAGE_BYTES = 3500;

/** The demo topic's settings under `faults`. */
export function demoTopicSettings(faults: DemoFaults): { maxMessageBytes?: number } {
  return faults === 'none' ? {} : { maxMessageBytes: TOPIC_MAX_MESSAGE_BYTES };
}
// A synchronous task blocking the event loop longer than the demo's request timeout of 1 s, while
// requests are in flight: their answers are read when the loop resumes, and nothing is resent.
const STALL_MS = 1500;

/** Starts the faults of `faults` on `cluster`; undefined for 'none'. */
export function planFaults(cluster: FakeCluster, faults: DemoFaults, seed: number, records: number): FaultPlan | undefined {
  if (faults === 'none') return undefined;
  const chaos: ChaosHandle = cluster.chaos({
    seed,
    dropResponseRate: 0.005,
    errorRate: 0.01,
    disconnectRate: 0.005,
    closeAfterAppendRate: 0.005,
    leaderMoveEveryMs: LEADER_MOVE_EVERY_MS,
  });
  const slow: InterceptHandle = cluster.intercept(
    { api: 'Produce' },
    { delayMs: SLOW_RESPONSE_MS },
    { after: SLOW_AFTER_REQUESTS, times: SLOW_RESPONSES },
  );
  const restartAt = Math.floor(records * 0.4);
  const stallAt = Math.floor(records * 0.6);
  const loseStateAt = faults === 'harsh' ? Math.floor(records * 0.7) : -1;
  const description =
    `lost acks, retriable errors, disconnects, slow responses, leader moves every ${LEADER_MOVE_EVERY_MS} ms, broker ${RESTARTED_BROKER} restarted, batches over the topic's max.message.bytes (${TOPIC_MAX_MESSAGE_BYTES}) split, a ${STALL_MS} ms event-loop stall` +
    (faults === 'harsh'
      ? '; harsh: producer state lost mid-stream while its batches stay in the log (no real broker does this), so records in flight then may be rejected as possibly written'
      : '');
  return {
    description,
    async beforeRecord(number) {
      if (number === restartAt) {
        await cluster.stopBroker(RESTARTED_BROKER);
        setTimeout(() => void cluster.startBroker(RESTARTED_BROKER), RESTART_AFTER_MS);
      }
      if (number === stallAt) blockEventLoop(STALL_MS);
      if (number === loseStateAt) cluster.loseProducerStateKeepingLog(undefined, { unknownProducerId: true });
    },
    stop() {
      chaos.stop();
      slow.remove();
    },
    summary() {
      const { droppedResponses, errors, disconnects, closedAfterAppend, leaderMoves } = chaos.stats;
      const parts = [
        `${droppedResponses} lost acks`,
        `${errors} errors`,
        `${disconnects} disconnects`,
        `${closedAfterAppend} closed after append`,
        `${slow.hits} slow responses`,
        `1 event-loop stall of ${STALL_MS} ms`,
        `${leaderMoves} leader moves`,
        '1 broker restart',
      ];
      if (faults === 'harsh') parts.push('1 harsh producer-state loss');
      return parts.join(', ');
    },
  };
}
