// Hostile input over the real stack (ingress over HTTP, Temporal, a worker, the GitHub sandbox): forged
// tenants, signatures and headers, oversized and deeply nested bodies, look-alike and zero-width command
// characters, edited and deleted comments, bot senders. Each case asserts the HTTP answer and that nothing
// started and nothing reached the sandbox: no workflow, no reply, no GitHub call.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/client';
import { example, retarget } from '../../src/fixtures/webhook-examples.js';
import { sign } from '../../src/ingress/signature.js';
import { agentYaml, daemonYaml, triggerYaml } from '../harness/config-dir.js';
import { startStackFor, TEST_SECRET, type Stack } from '../harness/stack.js';

interface Sent {
  status: number;
  body: any;
  delivery: string;
}

const FLOW = `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: deploy}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: done, type: end}
  connections:
    - {from: start, to: done}
`;

describe('hostile input: a clear refusal, nothing started, nothing sent to GitHub', function () {
  this.timeout(120_000);
  let stack: Stack;
  before(async () => {
    process.env.AOF_HOSTILE_ORG_SECRET = 'hostile-org-secret';
    stack = await startStackFor({
      'daemon.yaml': daemonYaml(
        'webhook_secret_env: AOF_TEST_WEBHOOK_SECRET\ntoken_env: AOF_TEST_GITHUB_TOKEN\nbot_name: aofbot\norganizations:\n  - name: acme\n    webhook_secret_env: AOF_HOSTILE_ORG_SECRET\n    installation_id: 7',
        '  flows: {directory: flows}\n  server: {max_body_mb: 1}\n',
      ),
      'agents/a.yaml': agentYaml('helper'),
      'flows/f.yaml': FLOW,
      // Commands only: anything that is not exactly a command routes nowhere.
      'triggers/t.yaml': triggerYaml(
        'cmds',
        'config:\n  github_events: [issue_comment, issues]\n  actions: [created, opened]\ncommands:\n  /deploy production: {flow: deploy, params: {approvers: [alice], environment: production}}\n  issues.opened: {agent: helper}',
      ),
      'triggers/u.yaml': triggerYaml(
        'scoped',
        'config:\n  webhook_secret: scoped-trigger-secret\n  repositories: [scoped/only]\n  github_events: [issues]\ndefault_agent: helper',
      ),
    });
  });
  after(async () => stack?.stop());

  const raw = async (
    headers: Record<string, string>,
    body: string | Buffer,
    path = '/webhook/github',
  ): Promise<Sent> => {
    const delivery = headers['x-github-delivery'] ?? '';
    const res = await fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text, delivery };
  };
  const headers = (event: string, body: string | Buffer, secret = TEST_SECRET) => ({
    'content-type': 'application/json',
    'x-github-event': event,
    'x-github-delivery': randomUUID(),
    'x-hub-signature-256': sign(secret, body),
  });
  const send = (event: string, payload: unknown, secret?: string, path?: string) => {
    const body = JSON.stringify(payload);
    return raw(headers(event, body, secret), body, path);
  };

  const issue = (repo = 'someone/repo') => {
    const p = retarget(example('issues', 'opened'), repo);
    delete p.organization;
    delete p.installation;
    return p;
  };
  const prComment = (
    body: string,
    opts: { action?: string; sender?: Record<string, unknown>; repo?: string; onIssue?: boolean } = {},
  ) => {
    const c = retarget(example('issue_comment', 'created'), opts.repo ?? 'someone/repo');
    delete c.organization;
    delete c.installation;
    c.action = opts.action ?? 'created';
    c.comment.body = body;
    c.comment.id = Math.floor(Math.random() * 1e9);
    if (!opts.onIssue) c.issue.pull_request = { url: 'https://api.github.com/repos/someone/repo/pulls/1' };
    else delete c.issue.pull_request;
    if (opts.sender) c.sender = { ...c.sender, ...opts.sender };
    return c;
  };

  const nested = (depth: number) => `{"action":"opened","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const big = Buffer.alloc(1024 * 1024 + 10, 'a');

  const cases: [string, () => Promise<Sent>, number, RegExp][] = [
    // Headers and signatures
    ['no X-GitHub-Event', () => raw({ ...headers('issues', '{}'), 'x-github-event': '' }, '{}'), 400, /X-GitHub-Event/],
    [
      'no X-GitHub-Delivery',
      () => raw({ ...headers('issues', '{}'), 'x-github-delivery': '' }, '{}'),
      400,
      /X-GitHub-Delivery/,
    ],
    [
      'a delivery id with a path in it',
      () => raw({ ...headers('issues', '{}'), 'x-github-delivery': '../../etc/passwd' }, '{}'),
      400,
      /malformed X-GitHub-Delivery/,
    ],
    [
      'no signature',
      () => raw({ ...headers('issues', '{}'), 'x-hub-signature-256': '' }, '{}'),
      401,
      /missing X-Hub-Signature-256/,
    ],
    [
      'only the legacy sha1 signature',
      () =>
        raw(
          {
            ...headers('issues', '{}'),
            'x-hub-signature-256': '',
            'x-hub-signature': 'sha1=0000000000000000000000000000000000000000',
          },
          '{}',
        ),
      401,
      /missing X-Hub-Signature-256/,
    ],
    ['signed with another secret', () => send('issues', issue(), 'not-the-secret'), 401, /signature does not match/],
    [
      'a truncated signature',
      () => raw({ ...headers('issues', '{}'), 'x-hub-signature-256': sign(TEST_SECRET, '{}').slice(0, 40) }, '{}'),
      401,
      /signature does not match/,
    ],
    [
      'a body changed after signing',
      () => raw(headers('issues', JSON.stringify(issue())), JSON.stringify(issue()) + ' '),
      401,
      /signature does not match/,
    ],
    [
      'a signature over a different body',
      () => raw(headers('issues', '{"a":1}'), JSON.stringify(issue())),
      401,
      /signature does not match/,
    ],
    // Bodies
    [
      'signed, but not JSON',
      () => raw(headers('issues', 'payload=%7B%7D'), 'payload=%7B%7D'),
      400,
      /malformed JSON payload/,
    ],
    ['signed JSON array', () => raw(headers('issues', '[1,2]'), '[1,2]'), 400, /not a JSON object/],
    ['signed JSON null', () => raw(headers('issues', 'null'), 'null'), 400, /not a JSON object/],
    [
      'a byte-order mark before the JSON',
      () => raw(headers('issues', '\uFEFF{}'), '\uFEFF{}'),
      400,
      /malformed JSON payload/,
    ],
    ['a declared body over the limit', () => raw(headers('issues', big), big), 413, /exceeds the 1048576-byte limit/],
    [
      'deeply nested JSON (100,000 levels)',
      () => raw(headers('ping_like', nested(100_000)), nested(100_000)),
      202,
      /unhandled/,
    ],
    ['an event nobody routes', () => send('gollum', issue()), 202, /unhandled/],
    // Tenants
    [
      'an organization’s secret for another owner’s repository',
      () => send('issues', issue('victim/private'), 'hostile-org-secret'),
      403,
      /signed with the secret of "acme" but about "victim"/,
    ],
    [
      'an organization’s secret with a forged organization field',
      () => send('issues', { ...issue('victim/private'), organization: { login: 'acme' } }, 'hostile-org-secret'),
      403,
      /organization "acme" does not own repository "victim\/private"/,
    ],
    [
      'an organization’s secret naming another installation',
      () => send('issues', { ...issue('acme/repo'), installation: { id: 8 } }, 'hostile-org-secret'),
      403,
      /installation 8 is not the installation of "acme"/,
    ],
    // One verified identity per delivery (issue 22): fields that name the same thing must agree.
    [
      'an organization’s secret with another owner’s full name',
      () =>
        send(
          'issues',
          { ...issue('acme/repo'), repository: { ...issue('acme/repo').repository, full_name: 'victim/repo' } },
          'hostile-org-secret',
        ),
      403,
      /repository\.full_name does not name/,
    ],
    [
      'the global secret with a full name that is not owner/name',
      () => send('issues', { ...issue(), repository: { ...issue().repository, full_name: 'acme/repo' } }),
      403,
      /repository\.full_name does not name/,
    ],
    [
      'a pull request head that is not a commit SHA',
      () => {
        const p = retarget(example('pull_request', 'synchronize'), 'someone/repo');
        delete p.organization;
        delete p.installation;
        p.pull_request.head.sha = '../../etc';
        return send('pull_request', p);
      },
      403,
      /head\.sha is not 40 hexadecimal characters/,
    ],
    [
      'an installation id that is not a number',
      () => send('issues', { ...issue(), installation: { id: '7 OR 1=1' } }),
      403,
      /installation\.id is not a positive integer/,
    ],
    [
      'a comment carrying the product’s own marker',
      () => send('issue_comment', prComment('/review\n<!-- aof-gate-check -->')),
      202,
      /own marker/,
    ],
    [
      'the global secret for an organization with its own',
      () => send('issues', issue('acme/repo')),
      403,
      /"acme" has its own webhook secret/,
    ],
    [
      'an organization’s URL with the global secret',
      () => send('issues', issue('acme/repo'), TEST_SECRET, '/webhook/github/acme'),
      401,
      /signature does not match/,
    ],
    [
      'an organization URL nobody configured',
      () => send('issues', issue('evil/repo'), TEST_SECRET, '/webhook/github/evil'),
      404,
      /no organization "evil"/,
    ],
    [
      'a Trigger’s secret outside that Trigger',
      () => send('issues', issue('scoped/other'), 'scoped-trigger-secret'),
      403,
      /does not cover this delivery/,
    ],
    // Comment commands
    ['/approve with a Cyrillic а', () => send('issue_comment', prComment('/\u0430pprove')), 202, /unhandled/],
    [
      '/approve followed by a zero-width space',
      () => send('issue_comment', prComment('/approve\u200b')),
      202,
      /unhandled/,
    ],
    [
      '/deploy with a zero-width joiner',
      () => send('issue_comment', prComment('/dep\u200dloy production')),
      202,
      /unhandled/,
    ],
    ['a fullwidth slash', () => send('issue_comment', prComment('\uFF0Fdeploy production')), 202, /unhandled/],
    [
      'a right-to-left override around the command',
      () => send('issue_comment', prComment('\u202E/deploy production')),
      202,
      /unhandled/,
    ],
    [
      'an edited comment',
      () => send('issue_comment', prComment('/deploy production', { action: 'edited' })),
      202,
      /commands run only on created comments/,
    ],
    [
      'a deleted comment',
      () => send('issue_comment', prComment('/deploy production', { action: 'deleted' })),
      202,
      /commands run only on created comments/,
    ],
    [
      'a command from a bot account',
      () =>
        send('issue_comment', prComment('/deploy production', { sender: { login: 'other-app[bot]', type: 'Bot' } })),
      202,
      /is a bot/,
    ],
    [
      'a command from the bot itself',
      () => send('issue_comment', prComment('/deploy production', { sender: { login: 'aofbot', type: 'User' } })),
      202,
      /sent by the bot itself/,
    ],
    [
      '/approve from a bot account',
      () => send('issue_comment', prComment('/approve', { sender: { login: 'dependabot[bot]', type: 'Bot' } })),
      202,
      /unhandled/,
    ],
    [
      '/approve on an issue, not a pull request',
      () => send('issue_comment', prComment('/approve', { onIssue: true })),
      202,
      /unhandled/,
    ],
    [
      'a command that only starts like one',
      () => send('issue_comment', prComment('/deployproduction')),
      202,
      /unhandled/,
    ],
  ];

  const started = async (delivery: string) => {
    for (const id of [`github-delivery-${delivery}`, `reply/${delivery}`]) {
      try {
        await stack.client.workflow.getHandle(id).describe();
        return id;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return undefined;
  };

  it(`refuses or ignores each of ${cases.length} hostile deliveries with its reason`, async () => {
    assert.ok(cases.length >= 30);
    stack.sandbox.reset();
    const failures: string[] = [];
    for (const [name, fire, status, reason] of cases) {
      const r = await fire();
      const text =
        typeof r.body === 'string' ? r.body : [r.body.error, r.body.status, r.body.reason].filter(Boolean).join(' ');
      if (r.status !== status || !reason.test(text)) failures.push(`${name}: ${r.status} ${text.slice(0, 200)}`);
      if (r.delivery && (await started(r.delivery))) failures.push(`${name}: started ${await started(r.delivery)}`);
    }
    assert.deepEqual(failures, []);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      stack.sandbox.requests.map((q) => `${q.method} ${q.path}`),
      [],
      'something reached GitHub',
    );
  });

  it('a chunked body over the limit is cut off with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${stack.url}/webhook/github`,
        {
          method: 'POST',
          headers: {
            'x-github-event': 'issues',
            'x-github-delivery': randomUUID(),
            'x-hub-signature-256': sign(TEST_SECRET, '{}'),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 12; i++) req.write(Buffer.alloc(100 * 1024, 'b'));
      req.end();
    });
    assert.equal(status, 413);
  });
});
