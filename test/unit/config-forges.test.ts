// GitLab and Bitbucket configuration as AOF users write it (the forms of AOF's own examples, with
// fixtures written here): it loads, keys that do nothing here are warnings that name file, resource and
// key, mistakes are errors saying what and where, and no secret ever appears in a message.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, triggersOf, type Resources } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { tenantIndex } from '../../src/config/secrets.js';
import { route } from '../../src/routing/route.js';

const SECRETS = {
  FORGES_TEST_GITLAB_TOKEN: 'glpat-s3cr3t-token-value',
  FORGES_TEST_GITLAB_HOOK: 'gl-hook-s3cr3t',
  FORGES_TEST_BB_USER: 'bot@example.test',
  FORGES_TEST_BB_PASSWORD: 'bb-api-token-s3cr3t',
  FORGES_TEST_BB_HOOK: 'bb-hook-s3cr3t',
};

const daemon = (platforms = '') => `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata:
  name: forges
spec:
  platforms:
${platforms || '    github: {}'}
  triggers: { directory: triggers }
  agents: { directory: agents }
  fleets: { directory: fleets }
  flows: { directory: flows }
  gates: { directory: gates }
`;

/** A config directory holding `files` (path -> text), as a user would lay it out. */
function configDir(files: Record<string, string>, platforms?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aof-forges-'));
  for (const sub of ['triggers', 'agents', 'fleets', 'flows', 'gates']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'daemon.yaml'), daemon(platforms));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return join(dir, 'daemon.yaml');
}

function loadError(daemonFile: string): ConfigError {
  try {
    loadConfig(daemonFile);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${daemonFile} loaded without errors`);
}

const messages = (r: { warnings?: unknown[] } | ConfigError) =>
  ((r instanceof ConfigError ? [...r.problems, ...r.warnings] : r.warnings) ?? []).map((p) =>
    formatProblem(p as never),
  );

const assertNoSecret = (text: string) => {
  for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), `a secret leaked into: ${text}`);
};

const GITLAB = `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: mr-bot
  labels: { platform: gitlab }
spec:
  type: GitLab
  config:
    token: \${FORGES_TEST_GITLAB_TOKEN}
    webhook_secret: \${FORGES_TEST_GITLAB_HOOK}
    api_url: https://gitlab.example.test/api/v4
    gitlab_events: [merge_request, note, pipeline]
    projects:
      - platform/*
      - platform/tools/deploy-kit
    allowed_users: [alice]
  commands:
    merge_request.open:
      fleet: mr-fleet
      params: { review_type: initial }
    merge_request.update: { fleet: mr-fleet }
    pipeline.failed: { agent: ci-helper }
    /review: { fleet: mr-fleet }
    "/pipeline retry": { agent: ci-helper }
  default_agent: ci-helper
`;

const GITLAB_RESOURCES = {
  'fleets/mr-fleet.yaml': `apiVersion: aof.dev/v1
kind: Fleet
metadata:
  name: mr-fleet
spec:
  agents:
    - name: style
      type: code-analysis
      model: google:gemini-2.5-flash
      capabilities: [code_review]
    - name: ci-helper
`,
  'agents/ci-helper.yaml': `apiVersion: aof.dev/v1
kind: Agent
metadata:
  name: ci-helper
spec:
  model: builtin:code-reviewer
  mcp_servers: [ci-tools]
  system_prompt: |
    You look at failed pipelines of {{ metadata.repo_full_name }}.
`,
};

const BITBUCKET = `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: pr-bot
spec:
  type: Bitbucket
  config:
    username: \${FORGES_TEST_BB_USER}
    app_password: \${FORGES_TEST_BB_PASSWORD}
    webhook_secret: \${FORGES_TEST_BB_HOOK}
    bitbucket_events:
      - pullrequest:created
      - pullrequest:comment_created
    repositories: [team-space/*, team-space/api]
  commands:
    pullrequest:created: { fleet: pr-fleet, description: "review new PRs" }
    /review: { fleet: pr-fleet }
`;

const BITBUCKET_FLEET = `apiVersion: aof.dev/v1
kind: Fleet
metadata:
  name: pr-fleet
spec:
  agents:
    - name: quality
      spec:
        name: quality-reviewer
        model: builtin:code-reviewer
        systemPrompt: |
          You review Bitbucket pull requests for quality.
    - name: security
      spec:
        model: builtin:code-reviewer
        system_prompt: You look for vulnerabilities.
        tools: [github_post_comment]
`;

describe('GitLab and Bitbucket configuration, as AOF users write it', () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const [k, v] of Object.entries(SECRETS)) [saved[k], process.env[k]] = [process.env[k], v];
  });
  after(() => {
    for (const k of Object.keys(SECRETS)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  describe('GitLab', () => {
    let r: Resources;
    before(() => (r = loadConfig(configDir({ 'triggers/gitlab.yaml': GITLAB, ...GITLAB_RESOURCES }))));

    it('a Trigger of type GitLab: its config typed, ${VAR} resolved, AOF command keys kept', () => {
      const [t] = triggersOf(r, 'GitLab');
      const c = t!.resource.spec.config;
      assert.equal(c.token, SECRETS.FORGES_TEST_GITLAB_TOKEN);
      assert.equal(c.webhook_secret, SECRETS.FORGES_TEST_GITLAB_HOOK);
      assert.equal(c.api_url, 'https://gitlab.example.test/api/v4');
      assert.deepEqual(c.projects, ['platform/*', 'platform/tools/deploy-kit']);
      assert.deepEqual(c.gitlab_events, ['merge_request', 'note', 'pipeline']);
      assert.deepEqual(Object.keys(t!.resource.spec.commands!), [
        'merge_request.open',
        'merge_request.update',
        'pipeline.failed',
        '/review',
        '/pipeline retry',
      ]);
      assert.deepEqual(triggersOf(r, 'GitHub'), []);
    });

    it('system_prompt is the agent’s instructions; a member’s own model makes it an inline agent', () => {
      const helper = r.agents.get('ci-helper')!.resource.spec;
      assert.match(helper.instructions, /^You look at failed pipelines/);
      assert.equal('system_prompt' in helper, false);
      // `mcp_servers: [ci-tools]` names a server no DaemonConfig defines: the agent has none (and a warning).
      assert.equal(helper.mcp_servers, undefined);
      const members = r.fleets.get('mr-fleet')!.resource.spec.agents;
      assert.deepEqual(
        members.map((m) => [m.name, m.agent]),
        [
          ['style', 'mr-fleet.style'],
          ['ci-helper', undefined],
        ],
      );
      assert.equal(r.agents.get('mr-fleet.style')!.resource.spec.model, 'google:gemini-2.5-flash');
      assert.equal('type' in members[0]! && members[0]!.type !== undefined, false);
    });

    it('keys that do nothing here are warnings naming file, resource and key', () => {
      assert.deepEqual(
        messages(r).map((m) => m.replace(/^.*?(fleets|agents)\//, '$1/')),
        [
          'fleets/mr-fleet.yaml:8:7: spec.agents.0.type: Fleet "mr-fleet": "type" is ignored: a member does what its instructions and tools say',
          'fleets/mr-fleet.yaml:10:7: spec.agents.0.capabilities: Fleet "mr-fleet": "capabilities" is ignored: a member does what its instructions and tools say',
          `agents/ci-helper.yaml:7:17: spec.mcp_servers.0: Agent "ci-helper": MCP server "ci-tools" is not defined in the DaemonConfig's spec.mcp_servers; the agent runs without it`,
        ],
      );
    });

    it('a GitHub event never routes through a GitLab Trigger, and its secret is no GitHub tenant', () => {
      const payload = {
        action: 'created',
        comment: { body: '/review' },
        issue: { number: 1, pull_request: {} },
        repository: { full_name: 'platform/x', owner: { login: 'platform' } },
        sender: { login: 'alice', type: 'User' },
      };
      const d = route(
        r.triggers.map((t) => t.resource),
        'issue_comment',
        payload,
        [],
      );
      assert.equal(d.matched, false);
      assert.match((d as { reason: string }).reason, /mr-bot: a GitLab Trigger, and this is a GitHub event/);
      assert.deepEqual(tenantIndex(r, {}).keys, []);
    });
  });

  describe('Bitbucket', () => {
    let r: Resources;
    before(
      () =>
        (r = loadConfig(
          configDir(
            { 'triggers/bitbucket.yaml': BITBUCKET, 'fleets/pr-fleet.yaml': BITBUCKET_FLEET },
            `    bitbucket:
      username_env: FORGES_TEST_BB_USER
      app_password_env: FORGES_TEST_BB_PASSWORD
      webhook_secret_env: FORGES_TEST_BB_HOOK
      api_url: https://bitbucket.example.test/rest/api/1.0
      bot_name: aof-bot`,
          ),
        )),
    );

    it('a Trigger of type Bitbucket with AOF’s keys, and platforms.bitbucket beside it (GitHub off)', () => {
      const [t] = triggersOf(r, 'Bitbucket');
      const c = t!.resource.spec.config;
      assert.equal(c.username, SECRETS.FORGES_TEST_BB_USER);
      assert.equal(c.app_password, SECRETS.FORGES_TEST_BB_PASSWORD);
      assert.equal(c.api_url, 'https://api.bitbucket.org/2.0');
      assert.deepEqual(c.repositories, ['team-space/*', 'team-space/api']);
      assert.deepEqual(Object.keys(t!.resource.spec.commands!), ['pullrequest:created', '/review']);
      const p = r.daemon.spec.platforms;
      assert.equal(p.github.enabled, false);
      assert.equal(p.bitbucket?.enabled, true);
      assert.equal(p.bitbucket?.app_password_env, 'FORGES_TEST_BB_PASSWORD');
      assert.equal(p.bitbucket?.api_url, 'https://bitbucket.example.test/rest/api/1.0');
    });

    it('inline members (spec with systemPrompt or system_prompt) become agents <fleet>.<member>', () => {
      const fleet = r.fleets.get('pr-fleet')!.resource.spec;
      assert.deepEqual(
        fleet.agents.map((m) => [m.name, m.agent, 'spec' in m]),
        [
          ['quality', 'pr-fleet.quality', false],
          ['security', 'pr-fleet.security', false],
        ],
      );
      const quality = r.agents.get('pr-fleet.quality')!.resource.spec;
      assert.equal(quality.instructions, 'You review Bitbucket pull requests for quality.\n');
      assert.equal(r.agents.get('pr-fleet.security')!.resource.spec.instructions, 'You look for vulnerabilities.');
      assert.deepEqual(r.agents.get('pr-fleet.security')!.resource.spec.tools, ['github_post_comment']);
      assert.deepEqual(
        messages(r).map((m) => m.replace(/^.*?fleets\//, 'fleets/')),
        [
          'fleets/pr-fleet.yaml:9:9: spec.agents.0.spec.name: Fleet "pr-fleet": "name" is ignored: an inline agent is named after its fleet and member (<fleet>.<member>)',
        ],
      );
    });
  });

  describe('mistakes: what was wrong and where, and never a secret', () => {
    const errorsOf = (files: Record<string, string>, platforms?: string) => {
      const e = loadError(configDir(files, platforms));
      const out = messages(e).map((m) => m.replace(/^.*?(triggers|fleets|agents|flows)\//, '$1/'));
      out.forEach(assertNoSecret);
      assertNoSecret(e.message);
      return out;
    };

    it('a forge type with the wrong case, with the one meant', () => {
      assert.deepEqual(errorsOf({ 'triggers/t.yaml': GITLAB.replace('type: GitLab', 'type: Gitlab') }), [
        'triggers/t.yaml:7:9: spec.type: expected one of "GitHub", "GitLab", "Bitbucket", "Schedule" (did you mean "GitLab"?)',
      ]);
    });

    it('a misspelt key of a GitLab config, an unknown action, a project that is no path', () => {
      const text = GITLAB.replace('    projects:', '    project: [x]\n    projects:')
        .replace('merge_request.update:', 'merge_request.updated:')
        .replace('platform/*', 'platform');
      assert.deepEqual(
        errorsOf({ 'triggers/t.yaml': text, ...GITLAB_RESOURCES }).filter((m) => !/ignored|runs without it/.test(m)),
        [
          'triggers/t.yaml:15:9: spec.config.projects.0: group/project, group/*, group/subgroup/project or group/**',
          'triggers/t.yaml:13:5: spec.config.project: unknown key "project" (did you mean "projects"?)',
        ],
      );
      assert.deepEqual(
        errorsOf({
          'triggers/t.yaml': GITLAB.replace('merge_request.update:', 'merge_request.updated:'),
          ...GITLAB_RESOURCES,
        }).filter((m) => !/ignored|runs without it/.test(m)),
        [
          'triggers/t.yaml:21:5: spec.commands.merge_request.updated: merge_request has no action "updated" (did you mean "update"?); merge_request actions: open, close, reopen, update, approved, unapproved, approval, unapproval, merge',
        ],
      );
    });

    it('a Bitbucket event key with a typo; two kinds of credentials; a secret given twice', () => {
      const text = BITBUCKET.replace('    pullrequest:created: {', '    pullrequest:craeted: {').replace(
        '    webhook_secret:',
        '    oauth_token: ${FORGES_TEST_BB_PASSWORD}\n    webhook_secret_env: FORGES_TEST_BB_HOOK\n    webhook_secret:',
      );
      assert.deepEqual(
        errorsOf({ 'triggers/t.yaml': text, 'fleets/pr-fleet.yaml': BITBUCKET_FLEET }).filter(
          (m) => !m.includes('ignored'),
        ),
        [
          'triggers/t.yaml:11:25: spec.config.webhook_secret_env: give webhook_secret or webhook_secret_env, not both',
          'triggers/t.yaml:10:18: spec.config.oauth_token: give app_password or oauth_token, not both',
        ],
      );
      assert.deepEqual(
        errorsOf({
          'triggers/t.yaml': BITBUCKET.replace('    pullrequest:created: {', '    pullrequest:craeted: {'),
          'fleets/pr-fleet.yaml': BITBUCKET_FLEET,
        }).filter((m) => !/ignored|runs without it/.test(m)),
        [
          'triggers/t.yaml:16:5: spec.commands.pullrequest:craeted: unknown Bitbucket event "pullrequest:craeted" (did you mean "pullrequest:created"?)',
        ],
      );
    });

    it('an unset ${VAR} is one problem naming the variable', () => {
      const text = GITLAB.replace('FORGES_TEST_GITLAB_TOKEN', 'FORGES_TEST_UNSET_TOKEN');
      assert.deepEqual(
        errorsOf({ 'triggers/t.yaml': text, ...GITLAB_RESOURCES }).filter((m) => !/ignored|runs without it/.test(m)),
        [
          'triggers/t.yaml:9:12: spec.config.token: environment variable FORGES_TEST_UNSET_TOKEN is not set (write ${FORGES_TEST_UNSET_TOKEN:-default} to give a default)',
        ],
      );
    });

    it('an inline member: a prompt given twice, a reference and a spec at once, an unknown tool at its line', () => {
      const fleet = `apiVersion: aof.dev/v1
kind: Fleet
metadata:
  name: f
spec:
  agents:
    - name: a
      spec:
        model: builtin:code-reviewer
        systemPrompt: one
        system_prompt: two
    - name: b
      agent: x
      spec: { model: builtin:code-reviewer }
    - name: c
      spec:
        model: builtin:code-reviewer
        tools: [github_post_coment]
`;
      const out = errorsOf({ 'fleets/f.yaml': fleet });
      assert.deepEqual(out.slice(0, 2), [
        'fleets/f.yaml:10:23: spec.agents.0.spec.systemPrompt: give one of system_prompt, systemPrompt: they are the same',
        "fleets/f.yaml:14:13: spec.agents.1.spec: give one of agent (a reference), spec (an inline agent) or model (an inline agent's model), not agent and spec",
      ]);
      const tool = errorsOf({ 'fleets/f.yaml': fleet.replace(/ {4}- name: a[\s\S]*? {4}- name: c/, '    - name: c') });
      assert.match(
        tool[0]!,
        /^fleets\/f\.yaml:10:17: spec\.agents\.0\.spec\.tools\.0: unknown tool "github_post_coment" \(did you mean "github_post_comment"\?\)/,
      );
    });
  });

  describe('Bitbucket has no labels: said at validation time', () => {
    const labeller = `apiVersion: aof.dev/v1
kind: Agent
metadata:
  name: labeller
spec:
  model: builtin:issue-triager
  tools: [github_add_labels, github_post_comment]
`;
    const flow = `apiVersion: aof.dev/v1
kind: Flow
metadata:
  name: tag
spec:
  nodes:
    - id: start
      type: github
      config: { action: label, labels: [reviewed] }
`;
    const trigger = (type: string, extra = '') => `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: t
spec:
  type: ${type}
  commands:
    /triage: { agent: labeller }
    /tag: { flow: tag }
${extra}`;

    it('a flow step that adds labels, or params asking for labels, is an error naming the command', () => {
      const e = loadError(
        configDir({
          'triggers/t.yaml': trigger('Bitbucket', '    /bug: { agent: labeller, params: { labels: [bug] } }\n'),
          'agents/labeller.yaml': labeller,
          'flows/tag.yaml': flow,
        }),
      );
      assert.deepEqual(
        e.problems.map((p) => formatProblem(p).replace(/^.*?triggers\//, 'triggers/')),
        [
          'triggers/t.yaml:9:5: spec.commands./tag: Trigger "t", /tag: flow "tag" step "start" (github label) needs labels, and Bitbucket has no labels',
          'triggers/t.yaml:10:40: spec.commands./bug.params.labels: Trigger "t", /bug: params.labels asks for labels, and Bitbucket has no labels',
        ],
      );
    });

    it('an agent with a label tool is a warning: it runs without that tool there', () => {
      const r = loadConfig(
        configDir({
          'triggers/t.yaml': trigger('Bitbucket').replace(/ {4}\/tag.*\n/, ''),
          'agents/labeller.yaml': labeller,
        }),
      );
      assert.deepEqual(
        messages(r).map((m) => m.replace(/^.*?triggers\//, 'triggers/')),
        [
          'triggers/t.yaml:8:5: spec.commands./triage: Trigger "t", /triage: agent "labeller" has github_add_labels, and Bitbucket has no labels: it runs without it on Bitbucket',
        ],
      );
    });

    it('a gate with report: review loads without a warning on every forge (each has review threads)', () => {
      const gate =
        'apiVersion: aof.dev/v1\nkind: GateCheck\nmetadata: {name: afa}\nspec:\n  report: [annotations, review]\n';
      const file = (type: string) =>
        configDir({
          'triggers/t.yaml': `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata:\n  name: t\nspec:\n  type: ${type}\n  commands:\n    /gate: { gate: afa }\n`,
          'gates/g.yaml': gate,
        });
      for (const type of ['Bitbucket', 'GitLab', 'GitHub']) {
        const r = loadConfig(file(type));
        assert.deepEqual(messages(r), [], type);
        assert.deepEqual(r.gates.get('afa')?.resource.spec.report, ['annotations', 'review'], type);
      }
    });

    it('approvers by group on Bitbucket (Cloud has no API for its groups’ members) are errors saying what to do', () => {
      const deploy = `apiVersion: aof.dev/v1
kind: Flow
metadata:
  name: deploy
spec:
  nodes:
    - id: start
      type: approval
      config: { approvers: [alice, myworkspace/sre] }
`;
      const commands =
        "    /deploy: { flow: deploy, params: { approvers: ['{0c6c8b5e-1d5c-4a8e-9f64-1c2d3e4f5a6b}', myworkspace/ops] } }\n";
      const file = (type: string) =>
        configDir({
          'triggers/t.yaml': trigger(type, commands).replace(/ {4}\/(tag|triage).*\n/g, ''),
          'flows/deploy.yaml': deploy,
        });
      const e = loadError(file('Bitbucket'));
      const why =
        "Bitbucket Cloud's REST API (2.0) cannot read a workspace group's members: list accounts (nickname, account id or uuid), or use min_permission (a group's permission on the repository counts there); Bitbucket Data Center's API (an api_url ending in /rest/api/1.0) reads groups, named PROJECT/group";
      assert.deepEqual(
        e.problems.map((p) => formatProblem(p).replace(/^.*?triggers\//, 'triggers/')),
        [
          `triggers/t.yaml:8:40: spec.commands./deploy.params.approvers: Trigger "t", /deploy params.approvers: approver "myworkspace/ops" is a group, and ${why}`,
          `triggers/t.yaml:8:5: spec.commands./deploy: Trigger "t", /deploy flow "deploy" step "start": approver "myworkspace/sre" is a group, and ${why}`,
        ],
      );
      // GitLab reads its groups' members: the same Trigger is fine there.
      assert.deepEqual(messages(loadConfig(file('GitLab'))), []);
      // So does Bitbucket Data Center's API: a Trigger acting through it (its own credentials and api_url) is fine.
      const dataCenter = (config: string) =>
        configDir({
          'triggers/t.yaml': trigger('Bitbucket', commands)
            .replace(/ {4}\/(tag|triage).*\n/g, '')
            .replace('  commands:', `  config: ${config}\n  commands:`),
          'flows/deploy.yaml': deploy,
        });
      const dc = 'api_url: "https://git.example.com/rest/api/1.0"';
      assert.deepEqual(messages(loadConfig(dataCenter(`{username: aofbot, app_password: t0ken, ${dc}}`))), []);
      // A Data Center api_url without credentials of the Trigger's own is not the API it acts through.
      assert.equal(loadError(dataCenter(`{${dc}}`)).problems.length, 2);
    });

    it('the same Trigger on GitHub or GitLab is fine', () => {
      for (const type of ['GitHub', 'GitLab']) {
        const r = loadConfig(
          configDir({ 'triggers/t.yaml': trigger(type), 'agents/labeller.yaml': labeller, 'flows/tag.yaml': flow }),
        );
        assert.deepEqual(messages(r), [], type);
      }
    });
  });
});
