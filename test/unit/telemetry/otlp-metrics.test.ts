// The OTLP MetricsData encoder: one small message checked byte by byte against the protobuf wire
// format, and larger ones read back with the fake cluster's independent decoder.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMetricsData, type OtlpMetric } from '../../../src/telemetry/client-metrics/otlp-metrics.js';
import { ProtobufWriter, varint } from '../../../src/telemetry/client-metrics/protobuf-writer.js';
import { decodeMetricsData } from '../../../src/testing/otlp-decoder.js';

const hex = (text: string) => Buffer.from(text.replace(/\/\/.*$/gm, '').replace(/\s+/g, ''), 'hex');

describe('protobuf writer', () => {
  it('writes base-128 varints, least significant group first', () => {
    assert.equal(varint(0n).toString('hex'), '00');
    assert.equal(varint(1n).toString('hex'), '01');
    assert.equal(varint(127n).toString('hex'), '7f');
    assert.equal(varint(128n).toString('hex'), '8001');
    assert.equal(varint(300n).toString('hex'), 'ac02');
    assert.equal(varint(2n ** 64n - 1n).toString('hex'), 'ffffffffffffffffff01');
  });

  it('tags each field with its number and wire type, and leaves out proto3 defaults', () => {
    const bytes = new ProtobufWriter()
      .uint(1, 150) // varint: tag 08, 150 = 96 01
      .uint(2, 0) // default: left out
      .bool(3, false) // default: left out
      .string(4, 'hi') // length-delimited: tag 22, length 2
      .fixed64(5, 1n) // fixed64: tag 29
      .double(6, 0) // a oneof member: written even when zero, tag 31
      .finish();
    assert.equal(bytes.toString('hex'), ['089601', '22026869', '290100000000000000', '310000000000000000'].join(''));
  });
});

describe('encodeMetricsData', () => {
  it('encodes one gauge exactly as the protobuf wire format spells it', () => {
    const encoded = encodeMetricsData({
      resourceAttributes: {},
      scopeName: 's',
      metrics: [{ name: 'g', kind: 'gauge', value: 1, timeNs: 1n }],
    });
    const expected = hex(`
      0a 24                               // MetricsData.resource_metrics (1), 36 bytes
        0a 00                             //   ResourceMetrics.resource (1): no attributes
        12 20                             //   ResourceMetrics.scope_metrics (2), 32 bytes
          0a 03 0a 01 73                  //     ScopeMetrics.scope (1): InstrumentationScope.name (1) "s"
          12 19                           //     ScopeMetrics.metrics (2), 25 bytes
            0a 01 67                      //       Metric.name (1) "g"
            2a 14                         //       Metric.gauge (5), 20 bytes
              0a 12                       //         Gauge.data_points (1), 18 bytes
                19 0100000000000000       //           NumberDataPoint.time_unix_nano (3, fixed64): 1
                21 000000000000f03f       //           NumberDataPoint.as_double (4, double): 1.0
    `);
    assert.equal(encoded.toString('hex'), expected.toString('hex'));
  });

  it('reads back gauges and sums, with temporality, attributes, times and long names', () => {
    const longName = `org.apache.kafka.producer.${'x'.repeat(200)}`; // a name whose length needs a two-byte varint
    const now = 1_765_000_000_123_456_789n;
    const metrics: OtlpMetric[] = [
      { name: 'org.apache.kafka.producer.record.queue.time.avg', kind: 'gauge', value: 2.5, timeNs: now },
      { name: 'org.apache.kafka.producer.node.request.latency.max', kind: 'gauge', value: 0, attributes: { node_id: '3' }, timeNs: now },
      { name: 'org.apache.kafka.producer.record.send.total', kind: 'sum', temporality: 'delta', value: 42, startTimeNs: now - 5n, timeNs: now },
      { name: 'org.apache.kafka.producer.topic.byte.total', kind: 'sum', temporality: 'cumulative', value: 1e9, attributes: { topic: 'orders' }, startTimeNs: 7n, timeNs: now },
      { name: longName, kind: 'gauge', value: -1.25, timeNs: now },
    ];
    const decoded = decodeMetricsData(
      encodeMetricsData({ resourceAttributes: { client_id: 'app', transactional_id: 'tx' }, scopeName: 'kafka-producer', metrics }),
    );
    assert.deepEqual(decoded.resourceAttributes, { client_id: 'app', transactional_id: 'tx' });
    assert.deepEqual(decoded.scopeNames, ['kafka-producer']);
    assert.deepEqual(decoded.metrics, [
      { name: metrics[0]!.name, kind: 'gauge', dataPoints: [{ value: 2.5, attributes: {}, startTimeUnixNano: 0n, timeUnixNano: now }] },
      { name: metrics[1]!.name, kind: 'gauge', dataPoints: [{ value: 0, attributes: { node_id: '3' }, startTimeUnixNano: 0n, timeUnixNano: now }] },
      {
        name: metrics[2]!.name,
        kind: 'sum',
        temporality: 'delta',
        monotonic: true,
        dataPoints: [{ value: 42, attributes: {}, startTimeUnixNano: now - 5n, timeUnixNano: now }],
      },
      {
        name: metrics[3]!.name,
        kind: 'sum',
        temporality: 'cumulative',
        monotonic: true,
        dataPoints: [{ value: 1e9, attributes: { topic: 'orders' }, startTimeUnixNano: 7n, timeUnixNano: now }],
      },
      { name: longName, kind: 'gauge', dataPoints: [{ value: -1.25, attributes: {}, startTimeUnixNano: 0n, timeUnixNano: now }] },
    ]);
  });

  it('encodes an empty metric list as one resource with one empty scope', () => {
    const decoded = decodeMetricsData(encodeMetricsData({ resourceAttributes: { client_id: 'a' }, scopeName: 'kafka-producer', metrics: [] }));
    assert.deepEqual(decoded, { resourceAttributes: { client_id: 'a' }, scopeNames: ['kafka-producer'], metrics: [] });
  });

  it('is refused by the decoder when cut short', () => {
    const encoded = encodeMetricsData({ resourceAttributes: {}, scopeName: 's', metrics: [{ name: 'g', kind: 'gauge', value: 1, timeNs: 1n }] });
    assert.throws(() => decodeMetricsData(encoded.subarray(0, encoded.length - 3)), RangeError);
  });
});
