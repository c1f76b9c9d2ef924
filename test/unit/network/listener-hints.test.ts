// The listener hints shared by the producer's errors and the command line's `check`: each names the
// settings of its audience, and tells a client without SASL that the listener wants a login.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLI_SETTINGS } from '../../../src/cli/check-hints.js';
import { closedAfterApiVersionsHint, PRODUCER_SETTINGS, saslRequiredHint, tlsRequiredHint } from '../../../src/network/listener-hints.js';

describe('listener hints', () => {
  it('name the producer options or the command-line flags', () => {
    assert.equal(tlsRequiredHint(CLI_SETTINGS, true), 'the broker requires TLS: add --tls (and --tls-ca <file> when its certificate comes from a private CA)');
    assert.equal(tlsRequiredHint(PRODUCER_SETTINGS, false), 'the broker may require TLS: set ssl (and ssl.ca when its certificate comes from a private CA)');
    assert.match(saslRequiredHint(PRODUCER_SETTINGS, false), /^the listener probably requires SASL authentication: set sasl \(e\.g\./);
    assert.match(saslRequiredHint(CLI_SETTINGS, true), /^the listener requires SASL authentication: authenticate with --sasl-mechanism/);
  });

  it('explain a close after ApiVersions by the SASL gate only for a client without SASL', () => {
    assert.match(closedAfterApiVersionsHint(PRODUCER_SETTINGS, false, false), /probably requires SASL .*closes the connection at any request but SaslHandshake until a login/);
    const withSasl = closedAfterApiVersionsHint(PRODUCER_SETTINGS, true, false);
    assert.doesNotMatch(withSasl, /requires SASL/);
    assert.match(withSasl, /after the login.*if the listener expects TLS, set ssl/);
    assert.doesNotMatch(closedAfterApiVersionsHint(PRODUCER_SETTINGS, true, true), /TLS/);
  });
});
