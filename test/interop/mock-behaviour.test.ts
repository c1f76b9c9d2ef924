// Pins down, at the wire level, how librdkafka 2.0.2's mock cluster behaves where our
// client depends on it: advertised versions, error injection, delayed answers, sequence
// checks, unsupported versions and the ApiVersions fallback.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { librdkafkaAvailable, type MockCluster, readBatchHeaders, startPreparedMockCluster } from './harness.js';
import {
  ApiKey,
  apiVersions,
  encodeBatch,
  fetchOnce,
  findCoordinator,
  initProducerId,
  metadata,
  produceOnce,
  Reader,
  WireConnection,
  Writer,
} from './wire.js';

const availability = librdkafkaAvailable();
const skip = availability.ok ? false : `librdkafka-dev / kcat not installed: ${availability.reason}`;

const TOPIC = 'facts';

function records(count: number, tag: string): { key: Buffer | null; value: Buffer | null }[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}-${i}`) }));
}

describe('librdkafka 2.0.2 mock cluster behaviour', { skip }, () => {
  let cluster: MockCluster;
  const open: WireConnection[] = [];

  async function connectTo(brokerId: number): Promise<WireConnection> {
    const broker = cluster.brokers.find((b) => b.id === brokerId);
    if (!broker) throw new Error(`no broker ${brokerId}`);
    const conn = await WireConnection.open(broker);
    open.push(conn);
    return conn;
  }

  async function highWatermark(partition = 0, topic = TOPIC): Promise<bigint> {
    const conn = await connectTo(1);
    return (await fetchOnce(conn, topic, partition, 0n)).highWatermark;
  }

  before(async () => {
    cluster = await startPreparedMockCluster({ brokers: 3, topics: [{ name: TOPIC, partitions: 4 }] }, async (started) => {
      for (let p = 0; p < 4; p++) await started.command(`leader ${TOPIC} ${p} 1`);
    });
  });

  after(async () => {
    for (const conn of open) conn.close();
    await cluster?.stop();
  });

  it('advertises these API version ranges (ApiVersions v0) and no SASL', async () => {
    const res = await apiVersions(await connectTo(1), 0);
    assert.equal(res.errorCode, 0);
    const ranges = Object.fromEntries(res.apis.map((a) => [a.apiKey, [a.minVersion, a.maxVersion]]));
    assert.deepEqual(ranges, {
      0: [0, 7], // Produce
      1: [0, 11], // Fetch
      2: [0, 5], // ListOffsets
      3: [0, 2], // Metadata
      8: [0, 7], // OffsetCommit
      9: [0, 5], // OffsetFetch
      10: [0, 2], // FindCoordinator
      11: [0, 5], // JoinGroup
      12: [0, 3], // Heartbeat
      13: [0, 1], // LeaveGroup
      14: [0, 3], // SyncGroup
      18: [0, 2], // ApiVersions
      22: [0, 4], // InitProducerId (flexible from v2)
      24: [0, 1], // AddPartitionsToTxn
      25: [0, 1], // AddOffsetsToTxn
      26: [0, 1], // EndTxn
      28: [0, 2], // TxnOffsetCommit
    });
    const keys = res.apis.map((a) => a.apiKey);
    assert.equal(keys.includes(ApiKey.SaslHandshake), false);
    assert.equal(keys.includes(ApiKey.SaslAuthenticate), false);
  });

  it('answers ApiVersions v3 with UNSUPPORTED_VERSION in a non-flexible, header-v0 layout', async () => {
    const res = await apiVersions(await connectTo(1), 3);
    // error_code, 1-byte count (=1, i.e. the raw entry count, not count+1), one entry
    // {ApiVersions, 0, 2} without tagged fields, throttle_time_ms; no header or body tags.
    assert.deepEqual(
      [...res.raw],
      [0, 35, 1, 0, 18, 0, 0, 0, 2, 0, 0, 0, 0],
    );
  });

  it('closes the connection, without answering, on an unsupported version or API key', async () => {
    const produceV8 = await connectTo(1);
    await assert.rejects(produceV8.request(ApiKey.Produce, 8, Buffer.alloc(0), { timeoutMs: 3000 }), /closed/);
    const metadataV3 = await connectTo(1);
    await assert.rejects(metadataV3.request(ApiKey.Metadata, 3, new Writer().i32(-1).build(), { timeoutMs: 3000 }), /closed/);
    const sasl = await connectTo(1);
    await assert.rejects(sasl.request(ApiKey.SaslHandshake, 1, new Writer().str('PLAIN').build(), { timeoutMs: 3000 }), /closed/);
  });

  it('reports controller id 0 (no such broker) and lists down brokers in Metadata v1', async () => {
    await cluster.command('broker-down 3');
    try {
      const md = await metadata(await connectTo(1), [TOPIC]);
      assert.equal(md.controllerId, 0);
      assert.deepEqual(
        md.brokers.map((b) => b.nodeId),
        [1, 2, 3],
      );
      assert.ok(md.topics[0]!.partitions.every((p) => p.leader === 1 && p.replicas.length === 3));
    } finally {
      await cluster.command('broker-up 3');
    }
  });

  it('auto-creates unknown topics on Metadata with 4 partitions', async () => {
    const md = await metadata(await connectTo(2), ['auto-created']);
    assert.equal(md.topics[0]?.errorCode, 0);
    assert.equal(md.topics[0]?.partitions.length, 4);
  });

  it('skips the append when an error is injected, including a forced disconnect', async () => {
    const before = await highWatermark();
    await cluster.command('push-errors 0 1 NOT_LEADER_FOR_PARTITION');
    const conn = await connectTo(1);
    const res = await produceOnce(conn, TOPIC, 0, encodeBatch({ records: records(3, 'injected') }));
    assert.equal(res.errorCode, 6);
    assert.equal(res.baseOffset, -1n);
    assert.equal(await highWatermark(), before);

    await cluster.command('push-errors 0 1 _TRANSPORT');
    await assert.rejects(produceOnce(conn, TOPIC, 0, encodeBatch({ records: records(3, 'dropped') })), /closed/);
    assert.equal(await highWatermark(), before);

    const ok = await produceOnce(await connectTo(1), TOPIC, 0, encodeBatch({ records: records(3, 'ok') }));
    assert.equal(ok.errorCode, 0);
    assert.equal(ok.baseOffset, before);
    assert.equal(ok.logAppendTime, 1234n); // a constant, not a clock
    assert.equal(await highWatermark(), before + 3n);
  });

  it('appends at once when the answer is delayed (error 0 with an rtt)', async () => {
    const before = await highWatermark(1);
    await cluster.command('broker-push-errors 1 0 1 0:1500');
    const started = Date.now();
    const pending = produceOnce(await connectTo(1), TOPIC, 1, encodeBatch({ records: records(2, 'slow') }));
    await sleep(300);
    assert.equal(await highWatermark(1), before + 2n, 'stored before the answer is sent');
    const res = await pending;
    assert.equal(res.errorCode, 0);
    assert.ok(Date.now() - started >= 1400, 'answer held back for the rtt');
  });

  it('answers Produce with acks=0 too', async () => {
    const conn = await connectTo(1);
    await produceOnce(conn, TOPIC, 2, encodeBatch({ records: records(1, 'acks0') }), { acks: 0 });
    for (let i = 0; i < 50 && conn.unsolicited.length === 0; i++) await sleep(20);
    assert.equal(conn.unsolicited.length, 1);
  });

  it('does not check sequence numbers of idempotent, non-transactional producers', async () => {
    const conn = await connectTo(1);
    const pid = await initProducerId(conn, null);
    assert.equal(pid.errorCode, 0);
    assert.equal(pid.producerEpoch, 0);
    assert.equal(pid.producerId % 1000n, 0n);
    const batch = (baseSequence: number, tag: string) =>
      encodeBatch({ producerId: pid.producerId, producerEpoch: 0, baseSequence, records: records(3, tag) });
    const before = await highWatermark(3);
    const first = await produceOnce(conn, TOPIC, 3, batch(0, 'first'));
    const duplicate = await produceOnce(conn, TOPIC, 3, batch(0, 'duplicate'));
    const gap = await produceOnce(conn, TOPIC, 3, batch(100, 'gap'));
    const wrongEpoch = await produceOnce(
      conn,
      TOPIC,
      3,
      encodeBatch({ producerId: pid.producerId, producerEpoch: 7, baseSequence: 3, records: records(1, 'epoch') }),
    );
    const unknownPid = await produceOnce(
      conn,
      TOPIC,
      3,
      encodeBatch({ producerId: 424242n, producerEpoch: 0, baseSequence: 0, records: records(1, 'unknown') }),
    );
    assert.deepEqual(
      [first, duplicate, gap, wrongEpoch, unknownPid].map((r) => [r.errorCode, r.baseOffset]),
      [
        [0, before],
        [0, before + 3n],
        [0, before + 6n],
        [0, before + 9n],
        [0, before + 10n],
      ],
    );
    const stored = await readBatchHeaders(cluster.bootstrapServers, TOPIC, 3);
    assert.deepEqual(
      stored.slice(-5).map((b) => [b.producerId, b.producerEpoch, b.baseSequence]),
      [
        [pid.producerId, 0, 0],
        [pid.producerId, 0, 0],
        [pid.producerId, 0, 100],
        [pid.producerId, 7, 3],
        [424242n, 0, 0],
      ],
    );
  });

  it('refuses an epoch bump (InitProducerId v3, KIP-360) for a non-transactional producer', async () => {
    const conn = await connectTo(2);
    const pid = await initProducerId(conn, null);
    // v3 is flexible: compact nullable transactional_id (0 = null), timeout, pid, epoch, tags.
    const body = new Writer().i8(0).i32(60_000).i64(pid.producerId).i16(pid.producerEpoch).i8(0).build();
    const raw = await conn.request(ApiKey.InitProducerId, 3, body, {
      requestHeaderVersion: 2,
      flexibleResponseHeader: true,
    });
    const r = new Reader(raw);
    r.i32();
    assert.equal(r.i16(), 49); // INVALID_PRODUCER_ID_MAPPING
  });

  it('checks sequences of transactional producers and writes no transaction markers', async () => {
    const txnId = 'facts-txn';
    const coordinator = await findCoordinator(await connectTo(1), txnId, 1);
    assert.equal(coordinator.errorCode, 0);
    const coord = await connectTo(coordinator.nodeId);
    const pid = await initProducerId(coord, txnId);
    assert.equal(pid.errorCode, 0);
    const leader = await connectTo(1);
    const send = (baseSequence: number, count: number) =>
      produceOnce(
        leader,
        TOPIC,
        3,
        encodeBatch({
          producerId: pid.producerId,
          producerEpoch: pid.producerEpoch,
          baseSequence,
          transactional: true,
          records: records(count, `txn-${baseSequence}`),
        }),
        { transactionalId: txnId },
      );
    // No AddPartitionsToTxn was sent: the mock does not require it.
    assert.equal((await send(0, 3)).errorCode, 0);
    assert.equal((await send(0, 3)).errorCode, 46); // DUPLICATE_SEQUENCE_NUMBER
    assert.equal((await send(10, 1)).errorCode, 45); // OUT_OF_ORDER_SEQUENCE_NUMBER
    assert.equal((await send(3, 2)).errorCode, 0);
    const before = await highWatermark(3);

    const endTxn = new Writer().str(txnId).i64(pid.producerId).i16(pid.producerEpoch).i8(1).build();
    const r = new Reader(await coord.request(ApiKey.EndTxn, 1, endTxn));
    r.i32();
    assert.equal(r.i16(), 0);
    assert.equal(await highWatermark(3), before, 'no commit marker appended');
    const stored = await readBatchHeaders(cluster.bootstrapServers, TOPIC, 3);
    assert.equal(
      stored.some((b) => b.isControl),
      false,
    );
  });

  it('writes ListOffsets v4+ leader_epoch as 8 bytes (spec: 4)', async () => {
    const body = new Writer()
      .i32(-1)
      .i8(0)
      .array([TOPIC], (w, t) => w.str(t).array([0], (x, p) => x.i32(p).i32(-1).i64(-1n)))
      .build();
    const raw = await (await connectTo(1)).request(ApiKey.ListOffsets, 4, body);
    const specLength = 4 + 4 + 2 + TOPIC.length + 4 + 4 + 2 + 8 + 8 + 4;
    assert.equal(raw.length, specLength + 4);
  });
});
