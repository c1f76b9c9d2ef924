// How `produce` reads its input: lines split across chunks (even inside a UTF-8 character), and
// lines turned into key, value and headers as the delimiters say.
import * as assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseHeaders, parseLine, unescapeDelimiter } from '../../../src/cli/line-format.js';
import { readLines } from '../../../src/cli/line-reader.js';

async function linesOf(chunks: readonly Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(Readable.from(chunks))) lines.push(line);
  return lines;
}

describe('readLines', () => {
  it('splits on \\n across chunk boundaries, drops \\r before it, and keeps a last line without \\n', async () => {
    const text = Buffer.from('first\r\nsecond\n\nthird €\nlast');
    // Cut inside the three bytes of '€' too.
    const cut = text.indexOf(Buffer.from('€')) + 1;
    assert.deepEqual(await linesOf([text.subarray(0, 3), text.subarray(3, cut), text.subarray(cut)]), ['first', 'second', '', 'third €', 'last']);
  });

  it('yields nothing for empty input and no extra line after a final \\n', async () => {
    assert.deepEqual(await linesOf([]), []);
    assert.deepEqual(await linesOf([Buffer.from('a\n')]), ['a']);
  });

  it('reads no further than the consumer asks', async () => {
    let pulled = 0;
    async function* source() {
      for (let index = 0; index < 100; index++) {
        pulled++;
        yield Buffer.from(`line ${index}\n`);
      }
    }
    const lines = readLines(source());
    await lines.next();
    await lines.next();
    assert.ok(pulled <= 3, `pulled ${pulled} chunks for 2 lines`);
    await lines.return(undefined);
  });
});

describe('parseLine', () => {
  const plain = { keyDelimiter: undefined, headerDelimiter: undefined, headerSeparator: ',' };

  it('takes the whole line as the value without delimiters', () => {
    assert.deepEqual(parseLine('a:b|c', plain), { ok: true, key: null, value: 'a:b|c', headers: [] });
  });

  it('splits the key at the first key delimiter', () => {
    assert.deepEqual(parseLine('k:v:w', { ...plain, keyDelimiter: ':' }), { ok: true, key: 'k', value: 'v:w', headers: [] });
    assert.deepEqual(parseLine(':v', { ...plain, keyDelimiter: ':' }), { ok: true, key: '', value: 'v', headers: [] });
  });

  it('reads headers before the header delimiter, a name alone having a null value', () => {
    const format = { keyDelimiter: '\t', headerDelimiter: '|', headerSeparator: ',' };
    assert.deepEqual(parseLine('a=1,b=x=y,flag|key\tvalue', format), {
      ok: true,
      key: 'key',
      value: 'value',
      headers: [
        ['a', '1'],
        ['b', 'x=y'],
        ['flag', null],
      ],
    });
    assert.deepEqual(parseLine('|key\tvalue', format), { ok: true, key: 'key', value: 'value', headers: [] });
  });

  it('refuses a line without a delimiter it was declared to have', () => {
    const missingKey = parseLine('no key here', { ...plain, keyDelimiter: '\t' });
    assert.equal(missingKey.ok, false);
    assert.match(missingKey.ok ? '' : missingKey.reason, /no key delimiter/);
    const missingHeaders = parseLine('k\tv', { keyDelimiter: '\t', headerDelimiter: '|', headerSeparator: ',' });
    assert.match(missingHeaders.ok ? '' : missingHeaders.reason, /no header delimiter/);
  });

  it('refuses a header without a name', () => {
    assert.equal(typeof parseHeaders('=value', ','), 'string');
  });
});

describe('unescapeDelimiter', () => {
  it('turns \\t, \\\\ and \\xHH into characters and leaves the rest', () => {
    assert.equal(unescapeDelimiter('\\t'), '\t');
    assert.equal(unescapeDelimiter('a\\\\b'), 'a\\b');
    assert.equal(unescapeDelimiter('\\x01'), '\x01');
    assert.equal(unescapeDelimiter('::'), '::');
  });
});
