// Adaptive partitioning (KIP-794): the weighted choice of the next keyless partition under an
// injected random source, the per-leader drain times under a hand-stepped clock, and the default
// partitioner with both: keyless records drift away from long queues and lagging leaders, keyed
// records never move.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaderDrainStats } from '../../../src/producer/partitioners/leader-drain-stats.js';
import { LoadWeightedChoice, type PartitionLoad } from '../../../src/producer/partitioners/load-weighted-choice.js';
import { partitionForKey } from '../../../src/producer/partitioners/murmur2.js';
import { DefaultPartitioner } from '../../../src/producer/partitioners/partitioner.js';
import { seededRandom } from '../../../src/testing/faults/seeded-random.js';
import { ManualClock } from '../../helpers/manual-clock.js';

// A load of one topic: queue sizes and leaders by partition.
function loadOf(queues: readonly number[], leaders: readonly number[]): PartitionLoad {
  return {
    queueSize: (_topic, partition) => queues[partition] ?? 0,
    leaderOf: (_topic, partition) => leaders[partition] ?? -1,
  };
}

// How often each partition is chosen when the draws walk every slot of a table of `total` weights
// once: exactly the weights.
function choicesOverEverySlot(choice: (random: () => number) => LoadWeightedChoice, candidates: readonly number[], total: number): Map<number | undefined, number> {
  const counts = new Map<number | undefined, number>();
  for (let slot = 0; slot < total; slot++) {
    const chosen = choice(() => (slot + 0.5) / total).choose('t', candidates);
    counts.set(chosen, (counts.get(chosen) ?? 0) + 1);
  }
  return counts;
}

describe('LoadWeightedChoice', () => {
  it('weighs each partition as largest queue + 1 - its queue', () => {
    // Queues 0, 3, 1: weights 4, 1, 3 out of 8.
    const load = loadOf([0, 3, 1], [1, 2, 3]);
    const counts = choicesOverEverySlot((random) => new LoadWeightedChoice(load, new LeaderDrainStats(0), random), [0, 1, 2], 8);
    assert.deepEqual(Object.fromEntries(counts), { 0: 4, 1: 1, 2: 3 });
  });

  it('picks at the edges of the table: the first slot and the last', () => {
    const load = loadOf([0, 3, 1], [1, 2, 3]);
    assert.equal(new LoadWeightedChoice(load, new LeaderDrainStats(0), () => 0).choose('t', [0, 1, 2]), 0);
    assert.equal(new LoadWeightedChoice(load, new LeaderDrainStats(0), () => 0.999_999).choose('t', [0, 1, 2]), 2);
    assert.equal(new LoadWeightedChoice(load, new LeaderDrainStats(0), () => 4 / 8).choose('t', [0, 1, 2]), 1);
  });

  it('only chooses among the candidates (partitions with a leader)', () => {
    // Partition 0 has the shortest queue but is not a candidate; 2 and 4 weigh 6 - 0 and 6 - 5.
    const load = loadOf([0, 9, 0, 9, 5], [1, 1, 2, 2, 3]);
    const counts = choicesOverEverySlot((random) => new LoadWeightedChoice(load, new LeaderDrainStats(0), random), [2, 4], 7);
    assert.deepEqual(Object.fromEntries(counts), { 2: 6, 4: 1 });
  });

  it('leaves the choice to the uniform pick when every queue is as long', () => {
    const choice = new LoadWeightedChoice(loadOf([2, 2, 2], [1, 2, 3]), new LeaderDrainStats(0), () => 0.5);
    assert.equal(choice.choose('t', [0, 1, 2]), undefined);
  });

  it('leaves out the partitions of a lagging leader, equal queues or not', async () => {
    const clock = new ManualClock();
    const drains = new LeaderDrainStats(100);
    drains.onReady(2, clock.now(), false);
    await clock.advance(101);
    drains.onReady(2, clock.now(), false);
    assert.ok(drains.isLagging(2));
    // Leader 2 leads partitions 1 and 3: only 0 and 2 remain, equally weighted.
    const load = loadOf([0, 0, 0, 0], [1, 2, 1, 2]);
    const counts = choicesOverEverySlot((random) => new LoadWeightedChoice(load, drains, random), [0, 1, 2, 3], 10);
    assert.deepEqual(Object.fromEntries(counts), { 0: 5, 2: 5 });
  });

  it('leaves the choice to the uniform pick when every leader lags', () => {
    const drains = new LeaderDrainStats(10);
    drains.onReady(1, 0, false);
    drains.onReady(1, 50, false);
    const choice = new LoadWeightedChoice(loadOf([0, 4], [1, 1]), drains, () => 0.5);
    assert.equal(choice.choose('t', [0, 1]), undefined);
  });

  it('reads the queues of the topic asked for', () => {
    const load: PartitionLoad = { queueSize: (topic, partition) => (topic === 'busy' && partition === 0 ? 5 : 0), leaderOf: () => 1 };
    // Weights 1 and 6: a draw past the first slot lands on partition 1.
    const choice = new LoadWeightedChoice(load, new LeaderDrainStats(0), () => 0.5);
    assert.equal(choice.choose('busy', [0, 1]), 1);
    assert.equal(choice.choose('quiet', [0, 1]), undefined);
  });
});

describe('LeaderDrainStats', () => {
  it('measures how long a leader had ready batches it could not take', async () => {
    const clock = new ManualClock();
    const drains = new LeaderDrainStats(100);
    drains.onReady(1, clock.now(), true);
    await clock.advance(60);
    drains.onReady(1, clock.now(), false);
    assert.equal(drains.lagMs(1), 60);
    assert.equal(drains.isLagging(1), false);
    await clock.advance(40);
    drains.onReady(1, clock.now(), false);
    assert.equal(drains.lagMs(1), 100);
    assert.equal(drains.isLagging(1), false, 'lagging only beyond the timeout');
    await clock.advance(1);
    drains.onReady(1, clock.now(), false);
    assert.equal(drains.isLagging(1), true);
    // It takes batches again: no lag at once.
    await clock.advance(5);
    drains.onReady(1, clock.now(), true);
    assert.equal(drains.lagMs(1), 0);
    assert.equal(drains.isLagging(1), false);
  });

  it('does not count time without ready batches as lag', async () => {
    const clock = new ManualClock();
    const drains = new LeaderDrainStats(100);
    drains.onReady(1, clock.now(), true);
    await clock.advance(10_000); // idle: nothing to send
    assert.equal(drains.isLagging(1), false);
    drains.onReady(1, clock.now(), false);
    assert.equal(drains.lagMs(1), 10_000, 'the lag runs from the last drain, as Java measures it');
  });

  it('starts the lag of a leader first seen unable to drain at that moment', async () => {
    const clock = new ManualClock();
    const drains = new LeaderDrainStats(100);
    drains.onReady(3, clock.now(), false);
    assert.equal(drains.lagMs(3), 0);
    await clock.advance(150);
    drains.onReady(3, clock.now(), false);
    assert.equal(drains.isLagging(3), true);
    assert.equal(drains.isLagging(4), false, 'an unknown leader is not lagging');
  });

  it('never reports a lagging leader with a timeout of 0', () => {
    const drains = new LeaderDrainStats(0);
    drains.onReady(1, 0, true);
    drains.onReady(1, 1_000_000, false);
    assert.equal(drains.lagMs(1), 1_000_000);
    assert.equal(drains.isLagging(1), false);
  });
});

describe('DefaultPartitioner with adaptive partitioning', () => {
  // Six partitions led by brokers 1, 2, 3, 1, 2, 3; broker 3's queues are long.
  const leaders = [1, 2, 3, 1, 2, 3];
  const queues = [0, 1, 9, 0, 0, 9];
  const all = [0, 1, 2, 3, 4, 5];

  // The partitions chosen over `switches` sticky periods of one record each.
  function stickyChoices(partitioner: DefaultPartitioner, switches: number): number[] {
    const chosen: number[] = [];
    for (let index = 0; index < switches; index++) {
      const partition = partitioner.partition('t', null, 6, all);
      chosen.push(partition);
      partitioner.onAppend('t', partition, 100);
    }
    return chosen;
  }

  it('sends keyless batches to the slow broker far less often than uniformly', () => {
    const drains = new LeaderDrainStats(0);
    const partitioner = new DefaultPartitioner(100, seededRandom(7), { load: loadOf(queues, leaders), drains });
    const chosen = stickyChoices(partitioner, 3000);
    const slow = chosen.filter((partition) => leaders[partition] === 3).length;
    // Weights 10, 9, 1, 10, 10, 1: broker 3 weighs 2 / 41 (about 5%), against 1 / 3 uniformly.
    assert.ok(slow > 0, 'a long queue lowers the weight, it does not exclude');
    assert.ok(slow < 3000 * 0.1, `broker 3 got ${slow} of 3000 sticky periods`);
  });

  it('without adaptive partitioning, spreads keyless batches uniformly', () => {
    const partitioner = new DefaultPartitioner(100, seededRandom(7));
    const chosen = stickyChoices(partitioner, 3000);
    const slow = chosen.filter((partition) => leaders[partition] === 3).length;
    assert.ok(slow > 3000 * 0.25 && slow < 3000 * 0.42, `broker 3 got ${slow} of 3000 sticky periods`);
  });

  it('sticks to a partition until batchSize bytes went to it, whatever the load', () => {
    const partitioner = new DefaultPartitioner(1000, seededRandom(3), { load: loadOf(queues, leaders), drains: new LeaderDrainStats(0) });
    const first = partitioner.partition('t', null, 6, all);
    for (let index = 0; index < 9; index++) {
      partitioner.onAppend('t', first, 100);
      assert.equal(partitioner.partition('t', null, 6, all), first);
    }
  });

  it('never moves keyed records', () => {
    const drains = new LeaderDrainStats(10);
    drains.onReady(3, 0, false);
    drains.onReady(3, 1000, false);
    const partitioner = new DefaultPartitioner(100, seededRandom(5), { load: loadOf(queues, leaders), drains });
    for (let index = 0; index < 200; index++) {
      const key = Buffer.from(`key-${index}`);
      assert.equal(partitioner.partition('t', key, 6, all), partitionForKey(key, 6));
    }
  });

  it('never picks the partitions of a lagging leader for keyless records', () => {
    const drains = new LeaderDrainStats(50);
    drains.onReady(3, 0, true);
    drains.onReady(3, 51, false);
    const partitioner = new DefaultPartitioner(100, seededRandom(11), { load: loadOf([0, 0, 0, 0, 0, 0], leaders), drains });
    const chosen = stickyChoices(partitioner, 600);
    assert.equal(chosen.filter((partition) => leaders[partition] === 3).length, 0);
    assert.deepEqual([...new Set(chosen)].sort(), [0, 1, 3, 4]);
  });
});
