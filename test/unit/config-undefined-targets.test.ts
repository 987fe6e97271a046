// A Trigger target (a command's agent, fleet, flow or gate, its default_agent) that is defined nowhere:
// AOF loads its own examples, which bind such agents, so we do too. Loading warns at the line that names
// it, everywhere (a daemon's folders as resource files given to `aofctl validate`), and routing an event
// there answers "unhandled" with the reason instead of starting a run. The YAML here is written in the
// forms of AOF's examples (inline fleet members, system_prompt, mcp_servers, ${VAR} secrets).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, loadResourceFiles, type Resources } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { withDefinedTarget, undefinedTarget } from '../../src/routing/resolve.js';
import { route, type Routed } from '../../src/routing/route.js';
import { configDir, daemonYaml } from '../harness/config-dir.js';

const GITLAB = `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: mr-bot
spec:
  type: GitLab
  config:
    token: \${UNDEFINED_TARGETS_TEST_TOKEN}
    webhook_secret: \${UNDEFINED_TARGETS_TEST_HOOK}
    gitlab_events: [merge_request, note]
    projects: [team/*]
  commands:
    merge_request.open:
      fleet: mr-fleet
    /approve:
      agent: approver
    /close:
      agent: mr-closer
    /docs-check:
      agent: docs-validator
  default_agent: approver
---
apiVersion: aof.dev/v1
kind: Fleet
metadata:
  name: mr-fleet
spec:
  agents:
    - name: style
      type: code-analysis
      model: google:gemini-2.5-flash
      capabilities: [code_review]
    - name: tests
      model: google:gemini-2.5-flash
---
apiVersion: aof.dev/v1
kind: Agent
metadata:
  name: approver
spec:
  model: builtin:assistant
  mcp_servers: [security-tools]
  system_prompt: |
    You approve merge requests.
`;

const BITBUCKET = `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: pr-bot
spec:
  type: Bitbucket
  config:
    username: \${UNDEFINED_TARGETS_TEST_USER}
    app_password: \${UNDEFINED_TARGETS_TEST_PASSWORD}
    webhook_secret: \${UNDEFINED_TARGETS_TEST_HOOK}
    bitbucket_events: [pullrequest:created]
    repositories: [space/*]
  commands:
    pullrequest:created:
      fleet: review-fleet
      description: "review new pull requests"
    /merge:
      fleet: merge-fleet
  default_agent: devops
---
apiVersion: aof.dev/v1
kind: Fleet
metadata:
  name: review-fleet
spec:
  agents:
    - name: reviewer
      spec:
        name: quality-reviewer
        model: builtin:code-reviewer
        systemPrompt: |
          You review pull requests.
`;

const ENV = {
  UNDEFINED_TARGETS_TEST_TOKEN: 'tok-s3cr3t',
  UNDEFINED_TARGETS_TEST_HOOK: 'hook-s3cr3t',
  UNDEFINED_TARGETS_TEST_USER: 'bot@example.test',
  UNDEFINED_TARGETS_TEST_PASSWORD: 'pw-s3cr3t',
};

/** Warning texts from `file:` on, the folder left out. */
const warnings = (r: { warnings?: unknown[] } | ConfigError) =>
  ((r instanceof ConfigError ? r.warnings : r.warnings) ?? []).map((w) =>
    formatProblem(w as never).replace(/^.*aof-test-[^/]+\//, ''),
  );

const UNHANDLED = 'events routed there are answered "unhandled" with that reason';

describe('a Trigger target defined nowhere', () => {
  describe('resource files without a DaemonConfig (aofctl validate <file>)', () => {
    let gitlab: Resources;
    let bitbucket: Resources;
    before(() => {
      const dir = configDir({ 'gitlab.yaml': GITLAB, 'bb/bitbucket.yaml': BITBUCKET });
      gitlab = loadResourceFiles([join(dir, 'gitlab.yaml')], { unsetVariables: 'warning' });
      bitbucket = loadResourceFiles([join(dir, 'bb')], { unsetVariables: 'warning' });
    });

    it('loads, with a warning at each binding of an undefined agent', () => {
      assert.deepEqual(
        warnings(gitlab).filter((w) => w.includes('not defined')),
        [
          `gitlab.yaml:42:17: spec.mcp_servers.0: Agent "approver": MCP server "security-tools" is not defined in the DaemonConfig's spec.mcp_servers; the agent runs without it`,
          `gitlab.yaml:18:7: spec.commands./close.agent: Trigger "mr-bot": /close binds agent "mr-closer", which is not defined; ${UNHANDLED}`,
          `gitlab.yaml:20:7: spec.commands./docs-check.agent: Trigger "mr-bot": /docs-check binds agent "docs-validator", which is not defined; ${UNHANDLED}`,
        ],
      );
      assert.deepEqual(
        warnings(bitbucket).filter((w) => w.includes('not defined')),
        [
          `bb/bitbucket.yaml:19:3: spec.default_agent: Trigger "pr-bot": default_agent binds agent "devops", which is not defined; ${UNHANDLED}`,
          `bb/bitbucket.yaml:18:7: spec.commands./merge.fleet: Trigger "pr-bot": /merge binds fleet "merge-fleet", which is not defined; ${UNHANDLED}`,
        ],
      );
    });

    it('the defined parts as usual: inline members, system_prompt, inert keys warned', () => {
      assert.deepEqual([...gitlab.agents.keys()].sort(), ['approver', 'mr-fleet.style', 'mr-fleet.tests']);
      assert.match(gitlab.agents.get('approver')!.resource.spec.instructions, /^You approve merge requests/);
      assert.deepEqual([...bitbucket.agents.keys()], ['review-fleet.reviewer']);
      assert.match(bitbucket.agents.get('review-fleet.reviewer')!.resource.spec.instructions, /^You review/);
      const w = warnings(gitlab);
      assert.ok(
        w.some((x) =>
          /spec\.mcp_servers\.0: Agent "approver": MCP server "security-tools" is not defined in the DaemonConfig's spec\.mcp_servers; the agent runs without it/.test(
            x,
          ),
        ),
      );
      assert.ok(w.some((x) => /spec\.agents\.0\.capabilities: Fleet "mr-fleet": "capabilities" is ignored/.test(x)));
    });

    it('an unset ${VAR} is a warning there, the reference left as written; never a value', () => {
      const unset = ENV as Record<string, string>;
      for (const k of Object.keys(unset)) assert.equal(process.env[k], undefined);
      assert.ok(
        warnings(gitlab).includes(
          'gitlab.yaml:8:12: spec.config.token: environment variable UNDEFINED_TARGETS_TEST_TOKEN is not set here; the daemon that loads this file needs it (or write ${UNDEFINED_TARGETS_TEST_TOKEN:-default} to give a default)',
        ),
      );
      const c = gitlab.triggers[0]!.resource.spec.config as { token?: string };
      assert.equal(c.token, '${UNDEFINED_TARGETS_TEST_TOKEN}');
    });
  });

  describe('in a daemon’s folders', () => {
    const saved: Record<string, string | undefined> = {};
    before(() => {
      for (const [k, v] of Object.entries(ENV)) [saved[k], process.env[k]] = [process.env[k], v];
    });
    after(() => {
      for (const k of Object.keys(ENV)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    const daemon = (files: Record<string, string>) =>
      join(
        configDir({
          'daemon.yaml': daemonYaml('webhook_secret_env: AOF_TEST_WEBHOOK_SECRET', '  fleets: {directory: triggers}\n'),
          ...files,
        }),
        'daemon.yaml',
      );

    it('the same warnings; the daemon loads', () => {
      const r = loadConfig(daemon({ 'triggers/gitlab.yaml': GITLAB, 'triggers/bitbucket.yaml': BITBUCKET }));
      assert.equal(r.triggers.length, 2);
      assert.equal(warnings(r).filter((w) => w.includes(UNHANDLED)).length, 4);
      assert.equal(
        (r.triggers.find((t) => t.resource.spec.type === 'GitLab')!.resource.spec.config as any).token,
        ENV.UNDEFINED_TARGETS_TEST_TOKEN,
      );
    });

    it('an unset ${VAR} is still an error there', () => {
      delete process.env.UNDEFINED_TARGETS_TEST_TOKEN;
      try {
        assert.throws(
          () => loadConfig(daemon({ 'triggers/gitlab.yaml': GITLAB })),
          (e: unknown) =>
            e instanceof ConfigError &&
            e.problems.some((p) =>
              p.message.startsWith('environment variable UNDEFINED_TARGETS_TEST_TOKEN is not set'),
            ),
        );
      } finally {
        process.env.UNDEFINED_TARGETS_TEST_TOKEN = ENV.UNDEFINED_TARGETS_TEST_TOKEN;
      }
    });

    it('what a defined target needs stays an error: a fleet member that is not defined', () => {
      const fleet = 'apiVersion: aof.dev/v1\nkind: Fleet\nmetadata: {name: f}\nspec:\n  agents:\n    - name: nobody\n';
      assert.throws(
        () => loadConfig(daemon({ 'triggers/f.yaml': fleet })),
        (e: unknown) =>
          e instanceof ConfigError && e.problems.some((p) => p.message === 'agent "nobody" is not defined'),
      );
    });
  });

  describe('routing', () => {
    const GITHUB = `apiVersion: aof.dev/v1
kind: Trigger
metadata: {name: chatops}
spec:
  type: GitHub
  commands:
    /approve: { agent: approver }
    /close: { agent: mr-closer }
    /ship: { flow: ship-it }
  default_agent: devops
---
apiVersion: aof.dev/v1
kind: Agent
metadata: {name: approver}
spec:
  model: builtin:assistant
`;
    let r: Resources;
    before(() => {
      r = loadResourceFiles([join(configDir({ 't.yaml': GITHUB }), 't.yaml')]);
    });
    const comment = (body: string) =>
      route(
        r.triggers.map((t) => t.resource),
        'issue_comment',
        {
          action: 'created',
          comment: { body, user: { login: 'alice', type: 'User' } },
          issue: { number: 7, pull_request: {} },
          repository: { full_name: 'octo/app', owner: { login: 'octo' } },
          sender: { login: 'alice', type: 'User' },
        },
        [],
      );

    it('an event routed to an undefined agent or flow is answered unhandled with the reason', () => {
      for (const [body, reason] of [
        ['/close', 'chatops: /close binds agent "mr-closer", which is not defined'],
        ['/ship now', 'chatops: /ship binds flow "ship-it", which is not defined'],
        ['please look', 'chatops: default_agent binds agent "devops", which is not defined'],
      ] as const) {
        const routed = comment(body);
        assert.equal(routed.matched, true);
        assert.equal(undefinedTarget(r, routed as Routed), reason);
        const d = withDefinedTarget(r, routed);
        assert.equal(d.matched, false);
        assert.equal((d as { reason: string }).reason, reason);
        assert.equal(d.metadata, routed.metadata);
      }
    });

    it('a defined target, or an event already unhandled, passes through unchanged', () => {
      const approve = comment('/approve');
      assert.equal(withDefinedTarget(r, approve), approve);
      assert.equal(undefinedTarget(r, approve as Routed), undefined);
      const none = route([], 'issue_comment', {}, []);
      assert.equal(withDefinedTarget(r, none), none);
    });
  });
});
