// Every TypeScript and JavaScript code block of README.md and docs/ compiles against the package's
// real API (src/, strict), so an example cannot drift from the code. Blocks are compiled in one
// TypeScript program; how a block declares what it assumes, or opts out, is in docs/testing.md
// ("Code blocks in the documentation").
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type DocSnippet, extractSnippets } from './doc-snippets.js';
import { checkSnippets, formatDiagnostics } from './snippet-compiler.js';

const root = process.cwd();

function documentationSnippets(): DocSnippet[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
  return files.flatMap((file) => extractSnippets(file, readFileSync(join(root, file), 'utf8')));
}

// A block that must not compile, checked with the others: the check is shown to catch an error,
// and to place it on the right line, in every run.
const canary: DocSnippet = {
  file: '<canary>',
  line: 10,
  language: 'ts',
  context: "import { Producer } from 'kafka-producer';",
  contextLine: 8,
  code: "const producer = new Producer({ bootstrapServers: 'localhost:9092' });\nawait producer.send({ topic: 'orders', value: 'x', acks: 1 });",
  ignored: undefined,
};

describe('documentation code blocks', () => {
  it('finds the blocks of a page, with their markers and lines', () => {
    const page = [
      '# Title', // 1
      '```sh', // 2
      'npm install kafka-producer', // 3
      '```', // 4
      '<!-- snippet-context: declare const producer: Producer; -->', // 5
      '', // 6
      '```ts', // 7
      'await producer.flush();', // 8
      '```', // 9
      '<!-- snippet-ignore: KafkaJS 1.x -->', // 10
      '```javascript', // 11
      'x', // 12
      '```', // 13
      '1. a list item:', // 14
      '   ```typescript', // 15
      '   const a = 1;', // 16
      '     const b = 2;', // 17
      '   ```', // 18
    ].join('\n');
    const snippets = extractSnippets('page.md', page);
    assert.deepEqual(
      snippets.map(({ line, language, code, context, contextLine, ignored }) => ({ line, language, code, context, contextLine, ignored })),
      [
        { line: 8, language: 'ts', code: 'await producer.flush();', context: 'declare const producer: Producer;', contextLine: 5, ignored: undefined },
        { line: 12, language: 'js', code: 'x', context: '', contextLine: 10, ignored: 'KafkaJS 1.x' },
        { line: 16, language: 'ts', code: 'const a = 1;\n  const b = 2;', context: '', contextLine: 0, ignored: undefined },
      ],
    );
  });

  it('refuses a marker that applies to nothing, or an ignore without a reason', () => {
    assert.throws(() => extractSnippets('page.md', '<!-- snippet-ignore: old -->\ntext\n'), /page\.md:1: a snippet marker must be followed by a code block/);
    assert.throws(() => extractSnippets('page.md', '<!-- snippet-ignore: -->\n```ts\nx\n```\n'), /page\.md:1: snippet-ignore needs a reason/);
    assert.throws(() => extractSnippets('page.md', '<!-- snippet-skip: x -->\n```ts\nx\n```\n'), /unknown snippet marker/);
    assert.throws(() => extractSnippets('page.md', '<!-- snippet-ignore: shell -->\n```sh\nls\n```\n'), /not compiled anyway/);
  });

  it('every TypeScript and JavaScript block of README.md and docs/ compiles', () => {
    const snippets = documentationSnippets();
    const checked = snippets.filter((snippet) => snippet.ignored === undefined);
    assert.ok(checked.length >= 25, `found ${checked.length} blocks to compile`);
    const diagnostics = checkSnippets(root, [...snippets, canary]);
    const fromCanary = diagnostics.filter((diagnostic) => diagnostic.file === canary.file);
    assert.equal(fromCanary.length, 1, `the canary block fails to compile, once:\n${formatDiagnostics(fromCanary)}`);
    assert.equal(fromCanary[0]!.line, 11, 'at the line of the canary block where the error is');
    assert.match(fromCanary[0]!.message, /'acks' does not exist/);
    const errors = diagnostics.filter((diagnostic) => diagnostic.file !== canary.file);
    assert.equal(errors.length, 0, `documentation blocks that do not compile:\n${formatDiagnostics(errors)}`);
  });
});
