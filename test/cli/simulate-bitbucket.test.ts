// `aofctl simulate --forge bitbucket`: Bitbucket's documented example payloads, signed as Bitbucket signs
// them and with its headers (Cloud's or Data Center's), to <url>/webhook/bitbucket; received here by a tiny
// HTTP server that records the request.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { bitbucketExample } from '../../src/forges/bitbucket/examples/index.js';
import { platformDaemon, runAofctl, useRecordingEndpoint } from '../harness/recording-endpoint.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const signed = (secret: string, raw: string) => `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

const daemon = (platform: string, trigger?: string) => platformDaemon('bitbucket', platform, trigger);

describe('aofctl simulate --forge bitbucket', function () {
  this.timeout(60_000);
  const endpoint = useRecordingEndpoint();

  it('a Cloud event key: its example, signed with the secret of platforms.bitbucket, with Cloud’s headers', async () => {
    const dir = daemon('webhook_secret_env: AOF_SIM_BITBUCKET_SECRET');
    for (const key of ['pullrequest:created', 'pullrequest:updated', 'repo:push', 'repo:commit_status_updated']) {
      const r = await runAofctl(
        ['simulate', '--forge', 'bitbucket', key, '--url', endpoint.url, '-c', join(dir, 'daemon.yaml')],
        {
          AOF_SIM_BITBUCKET_SECRET: 'bb-s3cret',
        },
      );
      assert.equal(r.code, 0, r.err);
      const [req] = endpoint.received.splice(0);
      assert.ok(req);
      assert.equal(req.url, '/webhook/bitbucket');
      const h = req.headers;
      assert.equal(h['x-event-key'], key);
      assert.equal(h['x-hub-signature'], signed('bb-s3cret', req.raw));
      assert.match(String(h['x-request-uuid']), UUID);
      assert.match(String(h['x-hook-uuid']), /^\{[0-9a-f-]{36}\}$/);
      assert.equal(h['x-attempt-number'], '1');
      assert.equal(h['x-request-id'], undefined);
      assert.equal(h['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.raw), bitbucketExample(key));
      assert.equal(
        r.out,
        `${key} on myworkspace/backend delivery ${String(h['x-request-uuid'])} -> 202 {"status":"unhandled","reason":"recorded"}\n`,
      );
    }
  });

  it('a Data Center key with --body: the comment’s text, X-Request-Id as --delivery, a Trigger’s secret', async () => {
    const trigger = `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: pr-bot}
spec:
  type: Bitbucket
  config:
    webhook_secret: trigger-s3cret
  default_agent: devops
`;
    const dir = daemon('', trigger);
    const r = await runAofctl([
      'simulate',
      '--forge',
      'bitbucket',
      'pr:comment:added',
      '--body',
      '/security',
      '--delivery',
      'req-42',
      '--url',
      `${endpoint.url}/webhook/bitbucket`,
      '--config',
      join(dir, 'daemon.yaml'),
    ]);
    assert.equal(r.code, 0, r.err);
    const [req] = endpoint.received;
    assert.equal(req!.url, '/webhook/bitbucket');
    assert.equal(req!.headers['x-event-key'], 'pr:comment:added');
    assert.equal(req!.headers['x-request-id'], 'req-42');
    assert.equal(req!.headers['x-request-uuid'], undefined);
    assert.equal(req!.headers['x-hub-signature'], signed('trigger-s3cret', req!.raw));
    const expected = bitbucketExample('pr:comment:added');
    expected.comment.text = '/security';
    assert.deepEqual(JSON.parse(req!.raw), expected);
    assert.match(r.out, /^pr:comment:added on MYPROJ\/backend delivery req-42 -> 202/);
  });

  it('diagnostics:ping is sent unsigned, as Data Center sends it, and needs no secret', async () => {
    const r = await runAofctl([
      'simulate',
      '--forge',
      'bitbucket',
      'diagnostics:ping',
      '--url',
      endpoint.url,
      '-c',
      '/nonexistent.yaml',
    ]);
    assert.equal(r.code, 0, r.err);
    const [req] = endpoint.received;
    assert.equal(req!.headers['x-event-key'], 'diagnostics:ping');
    assert.equal(req!.headers['x-hub-signature'], undefined);
    assert.match(String(req!.headers['x-request-id']), UUID);
  });

  it('mistakes are usage errors (exit 2), and nothing is sent', async () => {
    const cases: [string[], RegExp][] = [
      [['pull_request'], /no example for "pull_request"; event keys: pullrequest:approved, /],
      [['pullrequest:created', '--action', 'opened'], /--action applies to GitHub and GitLab payloads only/],
      [['pullrequest:created', '--body', '/review'], /--body sets a comment's text/],
      [['pullrequest:created', '-c', '/nonexistent.yaml'], /no secret: pass --secret/],
    ];
    for (const [args, message] of cases) {
      const r = await runAofctl(['simulate', '--forge', 'bitbucket', ...args, '--url', endpoint.url]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    assert.deepEqual(endpoint.received, []);
  });
});
