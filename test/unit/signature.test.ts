import assert from 'node:assert/strict';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { sign, verifySignature } from '../../src/ingress/signature.js';

describe('webhook signature', () => {
  // GitHub's documented test vector (docs: "Validating webhook deliveries").
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("matches GitHub's documented test vector", () => {
    assert.equal(sign(secret, body), expected);
    assert.equal(verifySignature([secret], body, expected), true);
  });

  it('agrees with @octokit/webhooks-methods', async () => {
    const payload = '{"zen":"Keep it logically awesome."}';
    assert.equal(sign('s3cret', payload), await octokitSign('s3cret', payload));
    assert.equal(await octokitVerify('s3cret', payload, sign('s3cret', payload)), true);
  });

  it('rejects a wrong secret, a changed body, and malformed headers', () => {
    assert.equal(verifySignature(['other'], body, expected), false);
    assert.equal(verifySignature([secret], Buffer.from('Hello, World?'), expected), false);
    for (const bad of [undefined, '', 'sha1=' + '0'.repeat(40), 'sha256=xyz', expected.slice(0, -2), expected + '00']) {
      assert.equal(verifySignature([secret], body, bad), false, String(bad));
    }
  });

  it('accepts the upper-case hex form of a valid signature', () => {
    assert.equal(verifySignature([secret], body, 'sha256=' + expected.slice(7).toUpperCase()), true);
  });

  it('accepts any of several configured secrets, and none when there are none', () => {
    assert.equal(verifySignature(['a', secret, 'b'], body, expected), true);
    assert.equal(verifySignature([], body, expected), false);
  });
});
