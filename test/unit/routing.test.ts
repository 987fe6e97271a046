// Routing over the reference's triggers, case by case, with real payloads from @octokit/webhooks-examples.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Trigger } from '../../src/config/schema.js';
import { example, examples, retarget } from '../../src/fixtures/webhook-examples.js';
import { matchesAny } from '../../src/routing/glob.js';
import { route, type RouteDecision } from '../../src/routing/route.js';
import { commandLine, eventBranch } from '../../src/forges/github/event.js';

let triggers: Trigger[];

function pr(repo: string, sender = 'octocat', base = 'main', action = 'opened') {
  const p = retarget(example('pull_request', action), repo);
  p.sender.login = sender;
  p.pull_request.base.ref = base;
  return p;
}

function comment(repo: string, body: string, sender = 'alice', action = 'created') {
  const p = retarget(
    examples('issue_comment', action).find((e) => e.issue.pull_request) ?? example('issue_comment', action),
    repo,
  );
  p.issue.pull_request ??= {
    url: 'https://api.github.com/repos/x/y/pulls/1',
    html_url: 'https://github.com/x/y/pull/1',
  };
  p.comment.body = body;
  p.sender.login = sender;
  return p;
}

const summary = (d: RouteDecision) =>
  d.matched ? `${d.trigger} ${d.key} -> ${d.target.kind}:${d.target.name}` : `unhandled: ${d.reason}`;

describe('routing', () => {
  before(() => {
    process.env.GITHUB_WEBHOOK_SECRET = 'x';
    triggers = loadConfig(resolve(import.meta.dirname, '../fixtures/reference/daemon.yaml')).triggers.map(
      (t) => t.resource,
    );
  });

  const cases: [string, string, () => Record<string, any>, string][] = [
    [
      'PR opened on a frontend repo goes to the frontend fleet',
      'pull_request',
      () => pr('myorg/web-app'),
      'frontend-pr-bot pull_request.opened -> fleet:frontend-review-fleet',
    ],
    [
      'PR opened on a backend repo by a backend member',
      'pull_request',
      () => pr('myorg/api-server', 'alice'),
      'backend-pr-bot pull_request.opened -> fleet:backend-review-fleet',
    ],
    [
      'the backend trigger’s allowed_users apply to it alone: others fall to the next trigger',
      'pull_request',
      () => pr('myorg/api-server', 'mallory'),
      'pr-review default_agent -> agent:code-reviewer',
    ],
    [
      'owner/prefix-* matches by prefix',
      'pull_request',
      () => pr('myorg/terraform-aws'),
      'infra-pr-bot pull_request.opened -> fleet:infra-review-fleet',
    ],
    [
      'owner/prefix-* needs the prefix',
      'pull_request',
      () => pr('myorg/terraform'),
      'pr-review default_agent -> agent:code-reviewer',
    ],
    [
      'repository patterns are per owner',
      'pull_request',
      () => pr('otherorg/terraform-aws'),
      'pr-review default_agent -> agent:code-reviewer',
    ],
    [
      'a matching branch glob',
      'pull_request',
      () => pr('myorg/api', 'x', 'release/2.0'),
      'github-pr-events default_agent -> agent:github-assistant',
    ],
    [
      'a branch outside the globs skips the trigger',
      'pull_request',
      () => pr('myorg/api', 'x', 'feature/x'),
      'pr-review default_agent -> agent:code-reviewer',
    ],
    [
      '`/deploy production` beats `/deploy`, with arguments',
      'issue_comment',
      () => comment('myorg/api-server', '/deploy production now please\nmore text'),
      'backend-pr-bot /deploy production -> flow:deploy-backend-prod',
    ],
    [
      '`/deploy staging`',
      'issue_comment',
      () => comment('myorg/api-server', '/deploy   staging'),
      'backend-pr-bot /deploy staging -> flow:deploy-backend-staging',
    ],
    [
      'a command no key matches goes to default_agent',
      'issue_comment',
      () => comment('myorg/api-server', '/deploy'),
      'backend-pr-bot default_agent -> agent:backend-helper',
    ],
    [
      '`/testing` is not `/test`',
      'issue_comment',
      () => comment('myorg/web-app', '/testing'),
      'frontend-pr-bot default_agent -> agent:frontend-helper',
    ],
    [
      'github_events limits which comments a trigger sees',
      'issue_comment',
      () => comment('myorg/api', '/review'),
      'unhandled: no trigger matched',
    ],
    [
      'commands are per trigger: /storybook only where defined',
      'issue_comment',
      () => comment('myorg/web-app', '/storybook'),
      'frontend-pr-bot /storybook -> agent:storybook-deployer',
    ],
    [
      'an edited comment never replays a command',
      'issue_comment',
      () => comment('myorg/api-server', '/deploy production', 'alice', 'edited'),
      'unhandled: commands run only on created comments, not "edited"',
    ],
    [
      'the bot’s own comments trigger nothing',
      'issue_comment',
      () => comment('myorg/api-server', '/deploy production', 'aofbot[bot]'),
      'unhandled: sent by the bot itself',
    ],
    [
      'issues go to the triager',
      'issues',
      () => retarget(example('issues', 'opened'), 'someorg/x'),
      'issue-triage default_agent -> agent:issue-triager',
    ],
    ['an event nothing listens to', 'star', () => example('star', 'created'), 'unhandled: no trigger matched'],
  ];

  for (const [name, event, payload, expected] of cases) {
    it(name, () => {
      const got = summary(route(triggers, event, payload(), 'aofbot'));
      assert.ok(got.startsWith(expected), `${got}\n  expected: ${expected}`);
    });
  }

  it('passes arguments and params to the target', () => {
    const d = route(triggers, 'issue_comment', comment('myorg/terraform-gcp', '/apply  -target=module.db'), 'aofbot');
    assert.ok(d.matched);
    assert.equal(d.args, '-target=module.db');
    assert.deepEqual(d.params, { require_approval: true, approvers: ['platform-lead', 'sre-oncall'] });
    const p = route(triggers, 'issue_comment', comment('myorg/api-server', '/deploy production now please'), 'aofbot');
    assert.ok(p.matched);
    assert.equal(p.args, 'now please');
  });

  it('explains every trigger that did not match', () => {
    const d = route(triggers, 'star', example('star', 'created'), 'aofbot');
    assert.ok(!d.matched);
    assert.match(d.reason, /backend-pr-bot: repository "Codertocat\/Hello-World" not in repositories/);
    assert.match(d.reason, /pr-review: event "star" not in github_events/);
  });

  it('a push routes by its bare event name and its branch', () => {
    const t: Trigger = {
      apiVersion: 'aof.dev/v1',
      kind: 'Trigger',
      metadata: { name: 'pushes' },
      spec: { type: 'GitHub', config: { branches: ['main', 'release/**'] }, commands: { push: { agent: 'builder' } } },
    };
    const push = (ref: string) => ({ ...example('push'), ref });
    assert.equal(summary(route([t], 'push', push('refs/heads/main'), 'aofbot')), 'pushes push -> agent:builder');
    assert.equal(
      summary(route([t], 'push', push('refs/heads/release/1/rc'), 'aofbot')),
      'pushes push -> agent:builder',
    );
    assert.match(summary(route([t], 'push', push('refs/heads/dev'), 'aofbot')), /branch "dev" not in branches/);
    assert.match(summary(route([t], 'push', push('refs/tags/v1'), 'aofbot')), /is not a branch/);
  });

  it('an event.action key in github_events narrows to that action', () => {
    const t: Trigger = {
      apiVersion: 'aof.dev/v1',
      kind: 'Trigger',
      metadata: { name: 't' },
      spec: { type: 'GitHub', config: { github_events: ['pull_request.closed'] }, default_agent: 'a' },
    };
    assert.equal(route([t], 'pull_request', example('pull_request', 'opened'), 'aofbot').matched, false);
    assert.equal(route([t], 'pull_request', example('pull_request', 'closed'), 'aofbot').matched, true);
  });
});

describe('routing helpers', () => {
  it('glob patterns', () => {
    assert.ok(matchesAny('myorg/web-app', ['myorg/web-*']));
    assert.ok(!matchesAny('myorg/web/app', ['myorg/*']));
    assert.ok(matchesAny('MyOrg/API', ['myorg/api'], 'i'));
    assert.ok(matchesAny('release/1.2', ['release/*']));
    assert.ok(!matchesAny('release/1/2', ['release/*']));
    assert.ok(matchesAny('release/1/2', ['release/**']));
    assert.ok(!matchesAny('xmain', ['main']));
    assert.ok(matchesAny('main.x', ['main?x']));
  });

  it('a command is the first line of a comment, when it starts with /', () => {
    const c = (body: string) => commandLine('issue_comment', { comment: { body } });
    assert.equal(c('/review'), '/review');
    assert.equal(c('  /deploy   production  \r\nthanks'), '/deploy production');
    assert.equal(c('please /review'), undefined);
    assert.equal(commandLine('issues', { comment: { body: '/review' } }), undefined);
  });

  it('the branch of each kind of event, over every real payload', () => {
    for (const p of examples('pull_request')) assert.equal(eventBranch('pull_request', p), p.pull_request.base.ref);
    for (const p of examples('push')) {
      const expected = p.ref.startsWith('refs/heads/') ? p.ref.slice(11) : undefined;
      assert.equal(eventBranch('push', p), expected);
    }
    for (const p of examples('workflow_run'))
      assert.equal(eventBranch('workflow_run', p), p.workflow_run.head_branch ?? undefined);
  });
});

describe('routing every real payload of the common events', () => {
  const events = [
    'pull_request',
    'issue_comment',
    'issues',
    'push',
    'check_run',
    'workflow_run',
    'release',
    'pull_request_review',
    'pull_request_review_comment',
  ];
  const catchAll: Trigger = {
    apiVersion: 'aof.dev/v1',
    kind: 'Trigger',
    metadata: { name: 'all' },
    spec: {
      type: 'GitHub',
      config: {},
      default_agent: 'fallback',
      commands: Object.fromEntries(events.map((e) => [e, { agent: `on-${e}` }])),
    },
  };

  for (const event of events) {
    it(`${event}: ${examples(event).length} payloads route by event and fill the metadata`, () => {
      assert.ok(examples(event).length > 0);
      for (const p of examples(event)) {
        const line = commandLine(event, p);
        const d = route([catchAll], event, p, 'aofbot');
        if (line && p.action !== 'created') {
          assert.equal(d.matched, false);
          continue;
        }
        assert.ok(d.matched, `${event}.${p.action}: ${!d.matched && d.reason}`);
        assert.equal(d.target.name, line ? 'fallback' : `on-${event}`);
        const m = d.metadata;
        assert.equal(m.event_type, event);
        assert.equal(m.repo_full_name, p.repository.full_name);
        assert.equal(m.sender_login, p.sender.login);
        if (p.pull_request) assert.equal(m.pr_number, p.pull_request.number);
        if (p.issue) assert.equal(m.issue_number, p.issue.number);
        if (event === 'issue_comment') assert.equal(m.is_pr_comment, Boolean(p.issue.pull_request));
        if (event === 'push') assert.equal(m.commit_count, p.commits.length);
      }
    });
  }
});
