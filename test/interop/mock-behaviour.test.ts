// Pins down, at the wire level, how the mock cluster of each librdkafka build (the system's 2.0.2
// and a recent one) behaves where our client depends on it: advertised versions, error injection,
// delayed answers, sequence checks, transaction markers, unsupported versions and the ApiVersions
// fallback. Where versions differ, mock-facts.ts holds each one's facts.

import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildOf, interopSuites, type MockCluster, readBatchHeaders, startPreparedMockCluster } from './harness.js';
import { type MockFacts, mockFacts } from './mock-facts.js';
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

const targets = await interopSuites();

const TOPIC = 'facts';
const MARKERS = 'markers';

function records(count: number, tag: string): { key: Buffer | null; value: Buffer | null }[] {
  return Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(`${tag}-${i}`) }));
}

for (const target of targets) {
  describe(`${target.label} mock cluster behaviour`, { skip: target.skip }, () => {
    let cluster: MockCluster;
    let facts: MockFacts;
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
      const librdkafka = buildOf(target);
      facts = mockFacts(librdkafka.version);
      const topics = [
        { name: TOPIC, partitions: 4 },
        { name: MARKERS, partitions: 2 },
      ];
      cluster = await startPreparedMockCluster({ librdkafka, brokers: 3, topics }, async (started) => {
        for (let p = 0; p < 4; p++) await started.command(`leader ${TOPIC} ${p} 1`);
        for (let p = 0; p < 2; p++) await started.command(`leader ${MARKERS} ${p} 1`);
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
      assert.deepEqual(ranges, facts.apiRanges);
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
      // One above the highest advertised version; the bodies would be valid for the version below.
      const produceMax = facts.apiRanges[ApiKey.Produce]![1];
      const produceAbove = await connectTo(1);
      await assert.rejects(produceAbove.request(ApiKey.Produce, produceMax + 1, Buffer.alloc(0), { timeoutMs: 3000 }), /closed/);
      const metadataMax = facts.apiRanges[ApiKey.Metadata]![1];
      const metadataAbove = await connectTo(1);
      await assert.rejects(metadataAbove.request(ApiKey.Metadata, metadataMax + 1, new Writer().i32(-1).build(), { timeoutMs: 3000 }), /closed/);
      const sasl = await connectTo(1);
      await assert.rejects(sasl.request(ApiKey.SaslHandshake, 1, new Writer().str('PLAIN').build(), { timeoutMs: 3000 }), /closed/);
    });

    it('reports controller id 0 (no such broker) in Metadata v1, and lists down brokers or not', async () => {
      await cluster.command('broker-down 3');
      try {
        const md = await metadata(await connectTo(1), [TOPIC]);
        assert.equal(md.controllerId, 0);
        assert.deepEqual(
          md.brokers.map((b) => b.nodeId),
          facts.listsDownBrokers ? [1, 2, 3] : [1, 2],
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

    it('checks sequences of transactional producers, and writes no marker to a partition never added', async () => {
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

    it('writes a COMMIT or ABORT control batch without a CRC to each added partition, or nothing', async () => {
      const txnId = 'markers-txn';
      const coordinator = await findCoordinator(await connectTo(1), txnId, 1);
      const coord = await connectTo(coordinator.nodeId);
      const pid = await initProducerId(coord, txnId);
      assert.equal(pid.errorCode, 0);
      const leader = await connectTo(1);
      const next = [0, 0];
      const addAndSend = async (partitions: number[], tag: string): Promise<void> => {
        const add = new Writer()
          .str(txnId)
          .i64(pid.producerId)
          .i16(pid.producerEpoch)
          .array([MARKERS], (w, t) => w.str(t).array(partitions, (x, p) => x.i32(p)))
          .build();
        const answer = new Reader(await coord.request(ApiKey.AddPartitionsToTxn, 1, add));
        answer.i32();
        const errors = answer.array((t) => {
          t.str();
          return t.array((p) => {
            p.i32();
            return p.i16();
          });
        });
        assert.deepEqual(errors.flat(), partitions.map(() => 0));
        for (const partition of partitions) {
          const batch = encodeBatch({
            producerId: pid.producerId,
            producerEpoch: pid.producerEpoch,
            baseSequence: next[partition]!,
            transactional: true,
            records: records(2, `${tag}-${partition}`),
          });
          next[partition]! += 2;
          assert.equal((await produceOnce(leader, MARKERS, partition, batch, { transactionalId: txnId })).errorCode, 0);
        }
      };
      const endTxn = async (committed: boolean): Promise<void> => {
        const r = new Reader(await coord.request(ApiKey.EndTxn, 1, new Writer().str(txnId).i64(pid.producerId).i16(pid.producerEpoch).i8(committed ? 1 : 0).build()));
        r.i32();
        assert.equal(r.i16(), 0);
      };
      await addAndSend([0, 1], 'committed');
      await endTxn(true);
      await addAndSend([0], 'aborted');
      await endTxn(false);

      const shape = async (partition: number) =>
        (await readBatchHeaders(cluster.bootstrapServers, MARKERS, partition)).map((b) =>
          b.isControl
            ? {
                control: b.records?.[0]?.key?.readInt16BE(2) === 1 ? 'COMMIT' : 'ABORT',
                crc: b.crc,
                producer: [b.producerId, b.producerEpoch],
                transactional: b.isTransactional,
                records: b.recordCount,
              }
            : { data: b.records?.map((r) => r.value?.toString()), crcValid: b.crcValid },
        );
      const marker = (control: 'COMMIT' | 'ABORT') => ({ control, crc: 0, producer: [pid.producerId, pid.producerEpoch], transactional: true, records: 1 });
      const data = (tag: string, partition: number) => ({ data: [`${tag}-${partition}-0`, `${tag}-${partition}-1`], crcValid: true });
      if (facts.transactionMarkers === 'none') {
        assert.deepEqual(await shape(0), [data('committed', 0), data('aborted', 0)]);
        assert.deepEqual(await shape(1), [data('committed', 1)]);
      } else {
        assert.deepEqual(await shape(0), [data('committed', 0), marker('COMMIT'), data('aborted', 0), marker('ABORT')]);
        assert.deepEqual(await shape(1), [data('committed', 1), marker('COMMIT')]);
      }
    });

    it(`writes ListOffsets v4+ leader_epoch in the bytes its version does (spec: 4)`, async () => {
      const body = new Writer()
        .i32(-1)
        .i8(0)
        .array([TOPIC], (w, t) => w.str(t).array([0], (x, p) => x.i32(p).i32(-1).i64(-1n)))
        .build();
      const raw = await (await connectTo(1)).request(ApiKey.ListOffsets, 4, body);
      const specLength = 4 + 4 + 2 + TOPIC.length + 4 + 4 + 2 + 8 + 8 + 4;
      assert.equal(raw.length, specLength - 4 + facts.listOffsetsLeaderEpochBytes);
    });
  });
}
