// Each kind of mistake gets a message with file, line, column, field path and what was expected.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { parseResourceFile } from '../../src/config/parse-resources.js';
import { ConfigError, formatProblem, type ConfigProblem } from '../../src/config/problems.js';

/** The ConfigError that loading `daemonFile` throws. */
function loadError(daemonFile: string): ConfigError {
  try {
    loadConfig(daemonFile);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${daemonFile} loaded without errors`);
}

const problems = (text: string) => parseResourceFile('t.yaml', text).problems.map(formatProblem);

const trigger = (body: string) => `apiVersion: aof.dev/v1
kind: Trigger
metadata:
  name: t
spec:
  type: GitHub
${body}`;

describe('configuration errors point at the line', () => {
  it('an unknown key, with a suggestion', () => {
    assert.deepEqual(problems(trigger('  config:\n    github_event:\n      - push\n')), [
      't.yaml:8:5: spec.config.github_event: unknown key "github_event" (did you mean "github_events"?)',
    ]);
  });

  it('a camelCase key where the reference uses snake_case', () => {
    assert.deepEqual(problems(trigger('  defaultAgent: helper\n')), [
      't.yaml:7:3: spec.defaultAgent: unknown key "defaultAgent" (did you mean "default_agent"?)',
    ]);
  });

  it('a wrong type and a missing field, reported together', () => {
    const out = problems(`apiVersion: aof.dev/v1
kind: Agent
metadata:
  name: a
spec:
  max_iterations: many
`);
    assert.deepEqual(out, [
      't.yaml:5:1: spec.model: is required (expected string)',
      't.yaml:6:19: spec.max_iterations: expected number',
    ]);
  });

  it('a workflow cache of one run (the SDK would quietly make it two)', () => {
    const out = problems(
      'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {}}\n  runtime:\n    max_cached_workflows: 1\n',
    );
    assert.deepEqual(out, ['t.yaml:7:27: spec.runtime.max_cached_workflows: 0 (no cache) or at least 2']);
  });

  it('a binding with two targets', () => {
    const out = problems(trigger('  commands:\n    /review:\n      agent: a\n      fleet: f\n'));
    assert.deepEqual(out, ['t.yaml:9:7: spec.commands./review: exactly one of agent, fleet, flow or gate']);
  });

  it('redelivery hooks: exactly one kind each, hook_id where needed, and the App hook only with an App', () => {
    const daemon = (redelivery: string) =>
      problems(
        `apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms:\n    github:\n      token_env: T\n      redelivery:\n${redelivery}`,
      );
    assert.deepEqual(
      daemon('        enabled: true\n        hooks:\n          - {organization: o, repository: o/r, hook_id: 1}\n'),
      ['t.yaml:11:13: spec.platforms.github.redelivery.hooks.0: exactly one of app, repository or organization'],
    );
    assert.deepEqual(daemon('        enabled: true\n        hooks:\n          - {organization: o}\n'), [
      't.yaml:11:13: spec.platforms.github.redelivery.hooks.0: hook_id is required for a repository or organization hook (and not allowed for app)',
    ]);
    assert.deepEqual(daemon('        enabled: true\n'), [
      "t.yaml:9:9: spec.platforms.github.redelivery: redelivery of the App's hook needs platforms.github.app; without an App, list repository or organization hooks",
    ]);
    assert.deepEqual(daemon('        enabled: true\n        hooks:\n          - {repository: o/r, hook_id: 1}\n'), []);
  });

  it('an unknown kind, with a suggestion', () => {
    assert.deepEqual(problems('apiVersion: aof.dev/v1\nkind: Triger\nmetadata: {name: x}\nspec: {}\n'), [
      't.yaml:2:7: kind: unknown kind "Triger" (did you mean "Trigger"?); expected one of DaemonConfig, Trigger, Agent, AgentFleet, Fleet, AgentFlow, Flow, GateCheck',
    ]);
  });

  it('YAML syntax errors', () => {
    const [p] = problems('apiVersion: aof.dev/v1\nkind: Trigger\nmetadata:\n  name: [unclosed\n');
    assert.match(p!, /^t\.yaml:\d+:\d+: YAML syntax: /);
  });

  it('an unset environment variable without a default', () => {
    delete process.env.AOF_TEST_UNSET_VAR;
    assert.deepEqual(problems(trigger('  config:\n    webhook_secret: ${AOF_TEST_UNSET_VAR}\n')), [
      't.yaml:8:21: spec.config.webhook_secret: environment variable AOF_TEST_UNSET_VAR is not set (write ${AOF_TEST_UNSET_VAR:-default} to give a default)',
    ]);
  });

  it('${VAR:-default} uses the default, ${VAR} the value', () => {
    process.env.AOF_TEST_SET_VAR = 'from-env';
    const r = parseResourceFile(
      't.yaml',
      trigger('  config:\n    webhook_secret: ${AOF_TEST_SET_VAR}-${AOF_TEST_UNSET_VAR:-dflt}\n'),
    );
    assert.deepEqual(r.problems, []);
    assert.equal((r.resources[0]!.resource.spec as any).config.webhook_secret, 'from-env-dflt');
  });

  describe('cross-references, across files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aof-config-'));
    mkdirSync(join(dir, 'triggers'));
    mkdirSync(join(dir, 'agents'));
    writeFileSync(
      join(dir, 'daemon.yaml'),
      'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S}}\n  triggers: {directory: triggers}\n  agents: {directory: agents}\n',
    );
    writeFileSync(
      join(dir, 'agents/a.yaml'),
      'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: code-reviewer}\nspec:\n  model: builtin:code-reviewer\n  instructions: "PR {{ metadata.pr_numbr }}"\n',
    );
    writeFileSync(
      join(dir, 'triggers/t.yaml'),
      trigger(
        '  commands:\n    /review:\n      agent: code-reviewr\n    /deploy:\n      agent: code-reviewer\n      params:\n        approvers: [alice]\n  default_agent: helper\n',
      ),
    );

    const located = (ps: ConfigProblem[]) =>
      ps.map((p) => `${p.file.split('/').slice(-2).join('/')}:${p.line} ${p.path}: ${p.message}`).sort();

    it('reports every problem at once, each with its file; a target not defined is a warning there', () => {
      const err = loadError(join(dir, 'daemon.yaml'));
      assert.deepEqual(located(err.problems), [
        'agents/a.yaml:6 spec.instructions: unknown template variable "metadata.pr_numbr" (did you mean "pr_number"?)',
        'triggers/t.yaml:13 spec.commands./deploy.params.approvers: approval params need a flow target: only a flow has approval gates',
      ]);
      assert.deepEqual(located(err.warnings), [
        'triggers/t.yaml:14 spec.default_agent: Trigger "t": default_agent binds agent "helper", which is not defined; events routed there are answered "unhandled" with that reason',
        'triggers/t.yaml:9 spec.commands./review.agent: Trigger "t": /review binds agent "code-reviewr", which is not defined (did you mean "code-reviewer"?); events routed there are answered "unhandled" with that reason',
      ]);
    });
  });
});

describe('agent and fleet checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aof-fleet-'));
  mkdirSync(join(dir, 'agents'));
  mkdirSync(join(dir, 'fleets'));
  writeFileSync(
    join(dir, 'daemon.yaml'),
    'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S}}\n  agents: {directory: agents}\n  fleets: {directory: fleets}\n',
  );
  writeFileSync(
    join(dir, 'agents/a.yaml'),
    'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n  model: builtin:assistant\n  tools: [github_post_coment]\n',
  );
  writeFileSync(
    join(dir, 'fleets/f.yaml'),
    'apiVersion: aof.dev/v1\nkind: AgentFleet\nmetadata: {name: f}\nspec:\n  agents: [{name: a}]\n  coordination: {mode: hierarchical, consensus: majority}\n',
  );

  it('unknown tools, a hierarchical fleet without a manager, consensus outside peer mode', () => {
    const err = loadError(join(dir, 'daemon.yaml'));
    assert.deepEqual(err.problems.map((p) => `${p.path}: ${p.message}`).sort(), [
      'spec.coordination.consensus: consensus applies to peer mode only, not hierarchical',
      'spec.coordination.manager: hierarchical mode needs a manager agent',
      'spec.tools.0: unknown tool "github_post_coment" (did you mean "github_post_comment"?); available: github_post_comment, github_post_review, github_add_labels, github_remove_label, github_create_check_run, github_update_check_run',
    ]);
  });
});

describe('flow checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aof-flow-'));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(
    join(dir, 'daemon.yaml'),
    'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S}}\n  flows: {directory: flows}\n',
  );
  writeFileSync(
    join(dir, 'flows/f.yaml'),
    `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: broken}
spec:
  nodes:
    - {id: begin, type: approval}
    - {id: plan, type: agent, config: {agent: planer}}
    - {id: check, type: conditional, config: {expression: "plan.output =="}}
    - {id: orphan, type: end}
  connections:
    - {from: begin, to: plan}
    - {from: plan, to: check}
    - {from: check, to: plan}
    - {from: check, to: finish}
`,
  );

  writeFileSync(
    join(dir, 'flows/g.yaml'),
    'apiVersion: aof.dev/v1\nkind: Flow\nmetadata: {name: lonely}\nspec:\n  nodes: [{id: start, type: end}, {id: orphan, type: wait}]\n',
  );

  it('missing start, unknown and unreachable nodes, an unbounded cycle, a bad condition, a missing agent', () => {
    const err = loadError(join(dir, 'daemon.yaml'));
    assert.deepEqual(
      err.problems.map((p) => `${p.file.split('/').pop()}:${p.line} ${p.path}: ${p.message}`),
      [
        'f.yaml:5 spec.nodes: no node with id "start" (nodes: begin, plan, check, orphan)',
        'f.yaml:7 spec.nodes.1.config.agent: agent "planer" is not defined',
        'f.yaml:8 spec.nodes.2.config.expression: expected a value in "plan.output =="',
        'f.yaml:14 spec.connections.3.to: unknown node "finish"',
        'f.yaml:10 spec.connections: cycle without a bound: plan → check → plan (give one of its connections `max`)',
        'g.yaml:5 spec.nodes.1: node "orphan" is unreachable from start',
      ],
    );
  });

  it('flows that cannot run: a join node, an approval bound to an event without a pull request', () => {
    const d = mkdtempSync(join(tmpdir(), 'aof-flow-run-'));
    mkdirSync(join(d, 'flows'));
    mkdirSync(join(d, 'triggers'));
    writeFileSync(
      join(d, 'daemon.yaml'),
      'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S}}\n  flows: {directory: flows}\n  triggers: {directory: triggers}\n',
    );
    writeFileSync(
      join(d, 'flows/f.yaml'),
      'apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: deploy}\nspec:\n  nodes:\n    - {id: start, type: approval}\n    - {id: j, type: join}\n  connections:\n    - {from: start, to: j}\n',
    );
    writeFileSync(
      join(d, 'triggers/t.yaml'),
      'apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: t}\nspec:\n  type: GitHub\n  commands:\n    issues.opened: {flow: deploy}\n    pull_request.closed: {flow: deploy}\n    /deploy: {flow: deploy}\n',
    );
    const err = loadError(join(d, 'daemon.yaml'));
    assert.deepEqual(
      err.problems.map((p) => `${p.path}: ${p.message}`).sort(),
      [
        'spec.nodes.1.type: node type "join" is not run by the interpreter: a parallel node joins its own branches (config.join: all, any or majority)',
        'spec.commands.issues.opened: flow "deploy" has an approval node, which needs a pull request; "issues" events have none (bind it to a pull_request event or a comment command)',
      ].sort(),
    );
  });

  it('environment variables only where they stay out of workflow history', () => {
    process.env.AOF_CFG_SECRET = 'hunter2';
    const agent =
      'apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n  model: builtin:assistant\n  instructions: "Use key ${AOF_CFG_SECRET}"\n';
    assert.deepEqual(problems(agent), [
      "t.yaml:6:17: spec.instructions: environment variables are not expanded here: the value would be written into workflow history. Name them only in a DaemonConfig, a Trigger's config, or the url, headers and body of an http flow node (resolved by the worker)",
    ]);
    assert.match(
      problems(trigger('  commands:\n    /x:\n      flow: f\n      params: {token: "${AOF_CFG_SECRET}"}\n')).join('\n'),
      /spec\.commands\.\/x\.params\.token: environment variables are not expanded here/,
    );
    // A Trigger's own config is expanded as before.
    const ok = parseResourceFile('t.yaml', trigger('  config:\n    webhook_secret: ${AOF_CFG_SECRET}\n'));
    assert.deepEqual(ok.problems, []);
    assert.equal(
      (ok.resources[0]!.resource.spec as { config: { webhook_secret: string } }).config.webhook_secret,
      'hunter2',
    );
    // An http node may name them in url, headers and body, and keeps the name: the worker resolves it.
    const flow =
      'apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: f}\nspec:\n  nodes:\n    - {id: start, type: http, config: {url: "${AOF_CFG_SECRET}/x", headers: {Authorization: "Bearer ${AOF_CFG_SECRET}"}}}\n';
    const parsed = parseResourceFile('t.yaml', flow);
    assert.deepEqual(parsed.problems, []);
    assert.match(JSON.stringify(parsed.resources[0]!.resource), /Bearer \$\{AOF_CFG_SECRET\}/);
    assert.doesNotMatch(JSON.stringify(parsed.resources[0]!.resource), /hunter2/);
  });
});

describe('events and actions', () => {
  const load = (triggerBody: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'aof-events-'));
    mkdirSync(join(dir, 'triggers'));
    writeFileSync(
      join(dir, 'daemon.yaml'),
      'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S}}\n  triggers: {directory: triggers}\n',
    );
    writeFileSync(
      join(dir, 'triggers/t.yaml'),
      `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: t}\nspec:\n  type: GitHub\n${triggerBody}`,
    );
    return loadError(join(dir, 'daemon.yaml')).problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  };

  it('an unknown action of a listed event, with a suggestion, at its line', () => {
    const problems = load(
      '  config:\n    github_events: [pull_request]\n    actions: [opened, openned]\n  commands:\n    pull_request.synchronise: {gate: g}\n    pull_requests: {gate: g}\n',
    );
    assert.ok(
      problems.some((p) =>
        /^8:23 spec\.config\.actions\.1: pull_request has no action "openned" \(did you mean "opened"\?\)/.test(p),
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) =>
        /^10:5 spec\.commands\.pull_request\.synchronise: pull_request has no action "synchronise" \(did you mean "synchronize"\?\)/.test(
          p,
        ),
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) =>
        /^11:5 spec\.commands\.pull_requests: unknown GitHub event "pull_requests" \(did you mean "pull_request"\?\)/.test(
          p,
        ),
      ),
      problems.join('\n'),
    );
  });

  it('actions on an event that has none, and a typo in an event name', () => {
    const problems = load('  config:\n    github_events: [push, isues]\n    actions: [opened]\n  default_agent: a\n');
    assert.ok(
      problems.some((p) =>
        /spec\.config\.github_events\.1: unknown GitHub event "isues" \(did you mean "issues"\?\)/.test(p),
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => /spec\.config\.actions\.0: push events carry no action, so "opened" never matches/.test(p)),
      problems.join('\n'),
    );
  });

  it('an invalid daemon file still lets the resource files report their own problems', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aof-both-'));
    mkdirSync(join(dir, 'triggers'));
    writeFileSync(
      join(dir, 'daemon.yaml'),
      'apiVersion: aof.dev/v1\nkind: DaemonConfig\nmetadata: {name: d}\nspec:\n  platforms: {github: {webhook_secret_env: S, enabeld: true}}\n  triggers: {directory: triggers}\n',
    );
    writeFileSync(
      join(dir, 'triggers/t.yaml'),
      'apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: t}\nspec:\n  type: GitHub\n  default_agnet: a\n',
    );
    const problems = loadError(join(dir, 'daemon.yaml')).problems.map((p) => `${p.file.split('/').pop()} ${p.path}`);
    assert.deepEqual(problems, ['daemon.yaml spec.platforms.github.enabeld', 't.yaml spec.default_agnet']);
  });
});
