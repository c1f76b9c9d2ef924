// Counters and rates of a producer under the Java client's metric names (record-send-rate,
// record-retry-rate, request-latency-avg, ...), plus diagnostics_channel events for tracing.
import { channel } from 'node:diagnostics_channel';

/** Minimal view of a batch the metrics need. */
export interface MeasuredBatch {
  readonly recordCount: number;
  readonly sizeInBytes: number;
  readonly createdAt: number;
  readonly topicPartition: { readonly topic: string; readonly partition: number };
}

/** A snapshot of the producer's metrics, keyed by Java metric name. */
export type MetricsSnapshot = Readonly<Record<string, number>>;

const batchChannel = channel('kafka-producer:batch');
const requestChannel = channel('kafka-producer:request');

export class ProducerMetrics {
  private readonly startedAt = Date.now();
  private recordsSent = 0;
  private recordsFailed = 0;
  private recordsRetried = 0;
  private batchesRetried = 0;
  private requests = 0;
  private requestBytes = 0;
  private batchesDone = 0;
  private batchBytes = 0;
  private recordQueueTimeTotal = 0;
  private recordQueueTimeMax = 0;
  private recordsAppended = 0;
  private bytesAppended = 0;

  recordAppend(bytes: number): void {
    this.recordsAppended++;
    this.bytesAppended += bytes;
  }

  recordRequest(batches: readonly MeasuredBatch[], bytes: number): void {
    this.requests++;
    this.requestBytes += bytes;
    const now = Date.now();
    for (const batch of batches) {
      const queued = now - batch.createdAt;
      this.recordQueueTimeTotal += queued * batch.recordCount;
      if (queued > this.recordQueueTimeMax) this.recordQueueTimeMax = queued;
    }
    if (requestChannel.hasSubscribers) requestChannel.publish({ batches: batches.length, bytes });
  }

  recordRetry(batch: MeasuredBatch): void {
    this.batchesRetried++;
    this.recordsRetried += batch.recordCount;
  }

  recordBatchDone(batch: MeasuredBatch, succeeded: boolean): void {
    this.batchesDone++;
    this.batchBytes += batch.sizeInBytes;
    if (succeeded) this.recordsSent += batch.recordCount;
    else this.recordsFailed += batch.recordCount;
    if (batchChannel.hasSubscribers) {
      batchChannel.publish({ ...batch.topicPartition, records: batch.recordCount, succeeded });
    }
  }

  snapshot(bufferedBytes: number, bufferTotal: number): MetricsSnapshot {
    const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
    const sent = this.recordsSent + this.recordsFailed;
    return {
      'record-send-total': this.recordsSent,
      'record-send-rate': this.recordsSent / seconds,
      'record-error-total': this.recordsFailed,
      'record-error-rate': this.recordsFailed / seconds,
      'record-retry-total': this.recordsRetried,
      'record-retry-rate': this.recordsRetried / seconds,
      'batch-retry-total': this.batchesRetried,
      'request-total': this.requests,
      'request-rate': this.requests / seconds,
      'outgoing-byte-total': this.requestBytes,
      'outgoing-byte-rate': this.requestBytes / seconds,
      'batch-size-avg': this.batchesDone === 0 ? 0 : this.batchBytes / this.batchesDone,
      'records-per-request-avg': this.requests === 0 ? 0 : sent / this.requests,
      'record-queue-time-avg': sent === 0 ? 0 : this.recordQueueTimeTotal / sent,
      'record-queue-time-max': this.recordQueueTimeMax,
      'buffer-total-bytes': bufferTotal,
      'buffer-available-bytes': Math.max(0, bufferTotal - bufferedBytes),
      'record-append-total': this.recordsAppended,
      'byte-append-total': this.bytesAppended,
    };
  }
}
