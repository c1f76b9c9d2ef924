// Records and calls that cannot mean what they say reject before any I/O, naming the field and what
// to do: unknown record fields (a typo such as `valu` would store a null value), a missing value
// (an explicit null is a tombstone), messages and value together, KafkaJS per-call options that
// are producer options here, and transactional calls in the wrong order or without a function.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InvalidRecordError, KafkaError, Producer } from '../../../src/index.js';

// Nothing listens there: every assertion below is about a rejection made before connecting.
const producer = new Producer({ bootstrapServers: '127.0.0.1:9', lingerMs: 0 });
const transactional = new Producer({ bootstrapServers: '127.0.0.1:9', transactionalId: 'tx' });
after(async () => {
  await producer.close({ timeoutMs: 0 });
  await transactional.close({ timeoutMs: 0 });
});

async function refusal(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidRecordError, String(error));
    assert.equal(error.possiblyPersisted, false);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('strict record input', () => {
  it('names an unknown field and the field it may have meant', async () => {
    await refusal(producer.send({ topic: 't', valu: 'x' } as never), /unknown field 'valu' \(did you mean 'value'\?\)/);
    await refusal(producer.send({ topic: 't', value: 'x', header: { a: '1' } } as never), /unknown field 'header' \(did you mean 'headers'\?\)/);
    await refusal(producer.send({ topic: 't', messages: [{ value: 'x', partiton: 1 }] } as never), /unknown field 'partiton' \(did you mean 'partition'\?\)/);
  });

  it('refuses a record without a value; an explicit null is a tombstone', async () => {
    await refusal(producer.send({ topic: 't', key: 'k' } as never), /has no value: set value \(null for a tombstone/);
    await refusal(producer.send({ topic: 't' } as never), /has no value/);
    await refusal(producer.send({ topic: 't', messages: [{ key: 'k' }] } as never), /has no value/);
  });

  it('refuses messages next to value, and messages that are not an array', async () => {
    await refusal(producer.send({ topic: 't', value: 'dropped?', messages: [{ value: 'x' }] } as never), /messages and value together/);
    await refusal(producer.send({ topic: 't', messages: 'x' } as never), /must be an array/);
  });

  it('says that KafkaJS per-call acks, compression and timeout are producer options', async () => {
    await refusal(producer.send({ topic: 't', messages: [{ value: 'x' }], acks: 1 } as never), /'acks' is a producer option.*new Producer\(\{ acks/);
    await refusal(producer.send({ topic: 't', messages: [{ value: 'x' }], compression: 2 } as never), /'compression' is a producer option/);
    await refusal(producer.send({ topic: 't', value: 'x', timeout: 30000 } as never), /'timeout' is a producer option/);
  });
});

describe('transactional calls in the wrong order', () => {
  it('send() before initTransactions() says to call initTransactions()', async () => {
    await assert.rejects(transactional.send({ topic: 't', value: 'x' }), (error: unknown) => {
      assert.ok(error instanceof KafkaError);
      assert.equal(error.code, 'INVALID_TRANSACTION_STATE');
      assert.match(error.message, /call initTransactions\(\) once, then beginTransaction\(\)/);
      return true;
    });
  });

  it('transaction() without a function says what it expects', async () => {
    await assert.rejects(transactional.transaction(undefined as never), (error: unknown) => {
      assert.ok(error instanceof KafkaError && !(error instanceof TypeError));
      assert.equal(error.code, 'INVALID_ARGUMENT');
      assert.match(error.message, /expects a function/);
      return true;
    });
  });
});
