// The command line's help and its reference cannot drift from the options the commands accept:
// every declared option appears in its command's --help text and in docs/cli.md.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as check from '../../../src/cli/check-command.js';
import * as demo from '../../../src/cli/demo-command.js';
import * as journal from '../../../src/cli/journal-command.js';
import * as perfTest from '../../../src/cli/perf-test-command.js';
import * as produce from '../../../src/cli/produce-command.js';

const commands = { produce, 'perf-test': perfTest, check, demo, journal };
const reference = readFileSync(join(process.cwd(), 'docs/cli.md'), 'utf8');

describe('command line documentation', () => {
  for (const [name, command] of Object.entries(commands)) {
    it(`documents every option of ${name} in its --help and in docs/cli.md`, () => {
      const options = Object.keys(command.options);
      assert.ok(options.length >= 4);
      for (const option of options) {
        assert.ok(command.usage.includes(`--${option}`), `${name} --help mentions --${option}`);
        // --help is documented once, for every command.
        if (option === 'help') continue;
        assert.ok(reference.includes(`\`--${option}`) || reference.includes(`, --${option}`), `docs/cli.md documents ${name} --${option}`);
      }
      assert.ok(reference.includes(`## ${name}\n`), `docs/cli.md has a section for ${name}`);
    });
  }
});
