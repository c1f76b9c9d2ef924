// The OpenTelemetry instruments cover every metric of the snapshot but the rates (a backend derives
// those from the counters), under distinct names, each documented in docs/tracing.md with its kind,
// unit and source metric.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { producerMetrics, topicMetrics } from '../../../src/metrics/metric-definitions.js';
import { producerInstruments, topicInstruments } from '../../../src/telemetry/open-telemetry/producer-instruments.js';

const isRate = (name: string) => name.endsWith('-rate') && name !== 'compression-rate';

describe('OpenTelemetry instruments', () => {
  it('map every metric that is not a rate, once, and counters to counters', () => {
    const mapped = (mappings: readonly { metric: string }[]) => mappings.map((mapping) => mapping.metric).sort();
    assert.deepEqual(mapped(producerInstruments), Object.keys(producerMetrics).filter((name) => !isRate(name)).sort());
    assert.deepEqual(mapped(topicInstruments), Object.keys(topicMetrics).filter((name) => !isRate(name)).sort());
    for (const mapping of producerInstruments) assert.equal(mapping.kind, producerMetrics[mapping.metric].kind, mapping.metric);
    for (const mapping of topicInstruments) assert.equal(mapping.kind, topicMetrics[mapping.metric].kind, mapping.metric);
    const names = [...producerInstruments, ...topicInstruments].map((mapping) => mapping.instrument);
    assert.equal(new Set(names).size, names.length, 'instrument names are distinct');
  });

  it('convert milliseconds to seconds, and nothing else', () => {
    for (const mapping of [...producerInstruments, ...topicInstruments]) {
      const inMs = / in ms|time in ms| ms /.test((producerMetrics as Record<string, { help: string }>)[mapping.metric]?.help ?? '');
      const fromProducer = producerInstruments.includes(mapping as (typeof producerInstruments)[number]);
      if (fromProducer && inMs) assert.deepEqual([mapping.unit, mapping.scale], ['s', 1 / 1000], mapping.metric);
      else assert.equal(mapping.scale, 1, mapping.metric);
    }
  });

  it('are each documented in docs/tracing.md with kind, unit and source', () => {
    const page = readFileSync(join(process.cwd(), 'docs', 'tracing.md'), 'utf8');
    for (const mapping of [...producerInstruments, ...topicInstruments]) {
      const row = page.split('\n').find((line) => line.startsWith(`| \`${mapping.instrument}\` |`));
      assert.ok(row, `docs/tracing.md has a row for ${mapping.instrument}`);
      const cells = row.split('|').map((cell) => cell.trim());
      assert.ok(cells[2]!.startsWith(mapping.kind), `${mapping.instrument}: kind ${mapping.kind}`);
      assert.equal(cells[3], `\`${mapping.unit}\``, `${mapping.instrument}: unit`);
      assert.ok(cells[4]!.startsWith(`\`${mapping.metric}\``), `${mapping.instrument}: from ${mapping.metric}`);
    }
  });
});
