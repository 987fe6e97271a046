// An http node's string body that is JSON gets event values JSON-escaped: `/deploy staging","sha":"x`
// stays one string value and cannot add a key.
import assert from 'node:assert/strict';
import { renderHttpRequest } from '../../src/flows/http-request.js';

const injected = 'staging","sha":"x';

describe('http node JSON bodies', () => {
  it('a JSON string template: an injected value stays the literal string, no new key', () => {
    const r = renderHttpRequest(
      { url: 'https://h/deploy', body: '{"sha":"{{ metadata.head_sha }}","environment":"${event.environment}"}' },
      { 'event.environment': injected, 'metadata.head_sha': 'abc123' },
      {},
    );
    // Unescaped, the body was {"sha":"abc123","environment":"staging","sha":"x"}: the event chose the commit.
    assert.deepEqual(JSON.parse(r.body!), { sha: 'abc123', environment: injected });
  });

  it('a body declared JSON by its content-type is escaped too; quotes, backslashes and newlines survive', () => {
    const value = 'a"b\\c\nd';
    const r = renderHttpRequest(
      {
        url: 'https://h/deploy',
        body: '  "${event.args}"',
        headers: { 'Content-Type': 'application/vnd.deploy+json' },
      },
      { 'event.args': value },
      {},
    );
    assert.equal(JSON.parse(r.body!), value);
  });

  it('a body of another content-type, or plain text, keeps its values as they are', () => {
    const values = { 'event.args': injected };
    assert.equal(
      renderHttpRequest(
        { url: 'https://h/x', body: '{"e":"${event.args}"}', headers: { 'content-type': 'text/plain' } },
        values,
        {},
      ).body,
      `{"e":"${injected}"}`,
    );
    assert.equal(
      renderHttpRequest({ url: 'https://h/x', body: 'deploy ${event.args}' }, values, {}).body,
      `deploy ${injected}`,
    );
  });

  it('environment variables in the YAML text are not escaped: only event values are', () => {
    const r = renderHttpRequest(
      { url: 'https://h/x', body: '{"token":"${TOKEN}","e":"${event.args}"}' },
      { 'event.args': injected },
      { TOKEN: 'secret' },
    );
    assert.deepEqual(JSON.parse(r.body!), { token: 'secret', e: injected });
  });
});
