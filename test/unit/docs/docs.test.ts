// The documentation cannot drift from the code: every option the producer accepts is in the
// configuration reference, every metric it reports is in the metrics page, and every relative link
// of README and docs/ points to a file that exists.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../src/errors/kafka-error.js';
import { journalMetrics, nodeMetrics, producerMetrics, topicMetrics } from '../../../src/metrics/metric-definitions.js';
import { type ProducerOptions, resolveProducerOptions } from '../../../src/producer/options.js';

const read = (path: string) => readFileSync(join(process.cwd(), path), 'utf8');

function knownOptions(): string[] {
  try {
    resolveProducerOptions({ bootstrapServers: 'broker:9092', notAnOption: true } as unknown as ProducerOptions);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const list = /known options: (.*)$/.exec(error.message)?.[1];
    assert.ok(list, 'the unknown-option error lists the known options');
    return list.split(', ');
  }
  assert.fail('an unknown option must be rejected');
}

describe('docs', () => {
  it('the configuration reference lists every option', () => {
    const reference = read('docs/configuration.md');
    const options = knownOptions();
    assert.ok(options.length >= 30);
    for (const option of options) assert.ok(reference.includes(`| \`${option}\` |`), `docs/configuration.md documents '${option}'`);
  });

  it('the metrics page lists every metric', () => {
    const page = read('docs/metrics.md');
    const names = [...Object.keys(producerMetrics), ...Object.keys(topicMetrics), ...Object.keys(nodeMetrics), ...Object.keys(journalMetrics)];
    assert.ok(names.length >= 30);
    for (const name of names) assert.ok(page.includes(`| \`${name}\``), `docs/metrics.md documents '${name}' in a table`);
  });

  it('every relative link of README.md and docs/ resolves', () => {
    const files = ['README.md', ...readdirSync(join(process.cwd(), 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
    for (const file of files) {
      for (const match of read(file).matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        assert.ok(existsSync(join(process.cwd(), dirname(file), target)), `${file} links to ${target}, which exists`);
      }
    }
  });
});
