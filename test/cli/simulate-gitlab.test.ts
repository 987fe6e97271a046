// `aofctl simulate --forge gitlab`: GitLab's documented example payloads, with the headers GitLab sends,
// to <url>/webhook/gitlab; received here by a tiny HTTP server that records the request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gitlabExample } from '../../src/forges/gitlab/examples/index.js';
import { platformDaemon, runAofctl, useRecordingEndpoint } from '../harness/recording-endpoint.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const daemon = (platform: string, trigger?: string) => platformDaemon('gitlab', platform, trigger);

describe('aofctl simulate --forge gitlab', function () {
  this.timeout(60_000);
  const endpoint = useRecordingEndpoint();

  it('merge_request --action: GitLab’s example with that action, the headers GitLab sends, the secret of platforms.gitlab', async () => {
    const dir = daemon('webhook_secret_env: AOF_SIM_GITLAB_SECRET');
    for (const action of ['open', 'update', 'merge', 'close', 'reopen', 'approved']) {
      const r = await runAofctl(
        [
          'simulate',
          '--forge',
          'gitlab',
          'merge_request',
          '--action',
          action,
          '--url',
          endpoint.url,
          '-c',
          join(dir, 'daemon.yaml'),
        ],
        { AOF_SIM_GITLAB_SECRET: 'gl-s3cret' },
      );
      assert.equal(r.code, 0, r.err);
      const [req] = endpoint.received.splice(0);
      assert.ok(req);
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/webhook/gitlab');
      const h = req.headers;
      assert.equal(h['x-gitlab-event'], 'Merge Request Hook');
      assert.equal(h['x-gitlab-token'], 'gl-s3cret');
      assert.match(String(h['x-gitlab-event-uuid']), UUID);
      assert.match(String(h['x-gitlab-webhook-uuid']), UUID);
      assert.match(String(h['idempotency-key']), UUID);
      assert.equal(h['x-gitlab-instance'], new URL(req.body.project.web_url).origin);
      assert.match(String(h['user-agent']), /^GitLab\/\d+\.\d+/);
      assert.equal(h['content-type'], 'application/json');
      // GitLab's own example (the file for that action when there is one), with the action set.
      const name =
        action === 'update'
          ? 'merge_request.update.commits'
          : action === 'open'
            ? 'merge_request.open'
            : `merge_request.${action}`;
      const expected = gitlabExample(name);
      expected.object_attributes.action = action;
      assert.deepEqual(req.body, expected);
      assert.equal(
        r.out,
        `merge_request.${action} on gitlab-org/gitlab-test delivery ${String(h['idempotency-key'])} -> 202 {"status":"unhandled","reason":"recorded"}\n`,
      );
    }
  });

  it('note --body: the note’s text; the first GitLab Trigger’s webhook_secret; --delivery is the Idempotency-Key', async () => {
    const trigger = `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: mr-bot}
spec:
  type: GitLab
  config:
    webhook_secret: trigger-s3cret
    gitlab_events: [note]
`;
    const dir = daemon('', trigger);
    const r = await runAofctl([
      'simulate',
      '--forge',
      'gitlab',
      'note',
      '--body',
      '/review',
      '--url',
      `${endpoint.url}/`,
      '--delivery',
      'idem-42',
      '--config',
      join(dir, 'daemon.yaml'),
    ]);
    assert.equal(r.code, 0, r.err);
    const [req] = endpoint.received;
    assert.equal(req!.url, '/webhook/gitlab');
    assert.equal(req!.headers['x-gitlab-event'], 'Note Hook');
    assert.equal(req!.headers['x-gitlab-token'], 'trigger-s3cret');
    assert.equal(req!.headers['idempotency-key'], 'idem-42');
    const expected = gitlabExample('note.merge_request');
    expected.object_attributes.note = '/review';
    assert.deepEqual(req!.body, expected);
  });

  it('pipeline and push: their examples and hooks; --secret wins', async () => {
    for (const [event, hook, example] of [
      ['pipeline', 'Pipeline Hook', 'pipeline.failed'],
      ['push', 'Push Hook', 'push'],
    ] as const) {
      const r = await runAofctl([
        'simulate',
        '--forge',
        'gitlab',
        event,
        '--url',
        endpoint.url,
        '--secret',
        'given',
        '-c',
        '/nonexistent.yaml',
      ]);
      assert.equal(r.code, 0, r.err);
      const [req] = endpoint.received.splice(0);
      assert.equal(req!.headers['x-gitlab-event'], hook);
      assert.equal(req!.headers['x-gitlab-token'], 'given');
      assert.deepEqual(req!.body, gitlabExample(example));
    }
  });

  it('mistakes are usage errors (exit 2), and nothing is sent', async () => {
    const cases: [string[], RegExp][] = [
      [['merge_request', '--action', 'opened'], /GitLab merge_request has no action "opened"; known: open, close/],
      [['note', '--action', 'open'], /GitLab note events carry no action/],
      [['push', '--body', '/review'], /--body sets a note's text/],
      [['issue_comment'], /no example for "issue_comment"; events: merge_request, note, pipeline, push/],
      [['note', '--pr'], /--pr applies to GitHub payloads only/],
      [['merge_request', '-c', '/nonexistent.yaml'], /no secret: pass --secret/],
    ];
    for (const [args, message] of cases) {
      const r = await runAofctl(['simulate', '--forge', 'gitlab', ...args, '--url', endpoint.url]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
    }
    const r = await runAofctl(['simulate', '--forge', 'gitea', 'push', '--url', endpoint.url]);
    assert.equal(r.code, 2);
    assert.match(r.err, /--forge must be github, gitlab or bitbucket, got "gitea"/);
    assert.deepEqual(endpoint.received, []);
  });
});
