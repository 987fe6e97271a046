// Schedule Triggers as users write them: a good one loads with its defaults, and each mistake (a cron line,
// a time zone, a catch-up window, a missing target for tools that need one) is an error naming the file
// and key.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Resources } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/config/problems.js';
import { cronProblem } from '../../src/config/schedule.js';
import { scheduledEvent } from '../../src/worker/trigger-schedules.js';

const DAEMON = `apiVersion: aof.dev/v1
kind: DaemonConfig
metadata: {name: schedules}
spec:
  platforms:
    github: {}
  triggers: {directory: triggers}
  agents: {directory: agents}
  fleets: {directory: fleets}
  flows: {directory: flows}
`;

const AGENTS = `apiVersion: aof.dev/v1
kind: Agent
metadata: {name: commenter}
spec:
  model: builtin:assistant
  tools: [github_post_comment]
---
apiVersion: aof.dev/v1
kind: Agent
metadata: {name: reviewer}
spec:
  model: builtin:assistant
  tools: [github_post_review]
---
apiVersion: aof.dev/v1
kind: Agent
metadata: {name: quiet}
spec:
  model: builtin:assistant
`;

const FLOW = `apiVersion: aof.dev/v1
kind: AgentFlow
metadata: {name: gated}
spec:
  nodes:
    - {id: start, type: approval}
    - {id: done, type: end}
  connections:
    - {from: start, to: done}
`;

const schedule = (body: string, name = 'nightly') =>
  `apiVersion: aof.dev/v1\nkind: Trigger\nmetadata: {name: ${name}}\nspec:\n  type: Schedule\n${body.replace(/^/gm, '  ')}\n`;

const dirs: string[] = [];
function load(trigger: string): Resources {
  const dir = mkdtempSync(join(tmpdir(), 'aof-schedules-'));
  dirs.push(dir);
  for (const sub of ['triggers', 'agents', 'fleets', 'flows']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'daemon.yaml'), DAEMON);
  writeFileSync(join(dir, 'agents/a.yaml'), AGENTS);
  writeFileSync(join(dir, 'flows/f.yaml'), FLOW);
  writeFileSync(join(dir, 'triggers/s.yaml'), trigger);
  return loadConfig(join(dir, 'daemon.yaml'));
}

function errors(trigger: string): string[] {
  try {
    load(trigger);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(formatProblem);
    throw e;
  }
  assert.fail('loaded without errors');
}

describe('Schedule Triggers: configuration', () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('loads with its defaults, apart from the forge Triggers, and resolves what a firing runs', () => {
    const r = load(
      schedule(
        'config: {cron: "30 2 * * 1-5"}\nparams: {repository: octo-org/app, issue_number: 7, environment: nightly}\ncommands:\n  schedule: {agent: commenter}',
      ),
    );
    assert.equal(r.triggers.length, 0);
    assert.equal(r.schedules.length, 1);
    assert.deepEqual(r.schedules[0]!.resource.spec.config, {
      cron: ['30 2 * * 1-5'],
      timezone: 'UTC',
      overlap: 'skip',
      paused: false,
    });
    const event = scheduledEvent(r, r.schedules[0]!.resource);
    assert.deepEqual(event.target, { kind: 'agent', name: 'commenter' });
    assert.equal(event.metadata.repo_full_name, 'octo-org/app');
    assert.equal(event.metadata.issue_number, 7);
    assert.equal(event.metadata.pr_number, undefined);
    // The target's keys are not the agent's params; the others are.
    assert.deepEqual(event.params, { environment: 'nightly' });
    assert.equal(event.forge, undefined); // GitHub, as every routed GitHub event says it
  });

  it('a pull request target, a list of cron lines and every policy key', () => {
    const r = load(
      schedule(
        'config:\n  cron: ["0 2 * * *", "@hourly"]\n  timezone: Europe/Berlin\n  overlap: buffer_one\n  catchup_window: 2h\n  paused: true\nparams: {forge: gitlab, repository: group/sub/app, pull_number: 3}\ndefault_agent: reviewer',
      ),
    );
    const c = r.schedules[0]!.resource.spec.config;
    assert.deepEqual(c.cron, ['0 2 * * *', '@hourly']);
    assert.equal(c.timezone, 'Europe/Berlin');
    const event = scheduledEvent(r, r.schedules[0]!.resource);
    assert.equal(event.forge, 'gitlab');
    assert.equal(event.metadata.pr_number, 3);
    assert.equal(event.metadata.repo_owner, 'group');
    assert.equal(event.metadata.repo_name, 'sub/app');
  });

  it('a bad cron line, time zone or catch-up window is an error naming file and key', () => {
    assert.match(
      errors(schedule('config: {cron: "61 2 * * *"}\ndefault_agent: quiet')).join('\n'),
      /triggers\/s\.yaml:\d+:\d+: spec\.config\.cron: "61 2 \* \* \*": minute "61" is outside 0-59/,
    );
    assert.match(
      errors(schedule('config: {cron: "0 2 * *"}\ndefault_agent: quiet')).join('\n'),
      /spec\.config\.cron: "0 2 \* \*" has 4 field\(s\); a cron line has 5/,
    );
    assert.match(
      errors(schedule('config: {cron: ["@daily", "0 2 * * funday"]}\ndefault_agent: quiet')).join('\n'),
      /spec\.config\.cron\.1: "0 2 \* \* funday": day of week "funday" is outside 0-7/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily", timezone: Mars/Olympus}\ndefault_agent: quiet')).join('\n'),
      /triggers\/s\.yaml:\d+:\d+: spec\.config\.timezone: unknown time zone "Mars\/Olympus"/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily", catchup_window: 5s}\ndefault_agent: quiet')).join('\n'),
      /spec\.config\.catchup_window: a duration of at least 10s/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily", catchup_window: 1h, catchup: skip}\ndefault_agent: quiet')).join('\n'),
      /spec\.config\.catchup: give catchup_window or catchup: skip, not both/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily", overlap: queue}\ndefault_agent: quiet')).join('\n'),
      /spec\.config\.overlap: .*skip.*buffer_one/,
    );
  });

  it('tools that need an issue or pull request are refused without one', () => {
    assert.match(
      errors(schedule('config: {cron: "@daily"}\ncommands:\n  schedule: {agent: commenter}')).join('\n'),
      /triggers\/s\.yaml:\d+:\d+: spec\.commands\.schedule\.agent: Trigger "nightly": agent "commenter" has github_post_comment, which needs an issue or pull request to act on/,
    );
    // A repository alone is not enough for a comment.
    assert.match(
      errors(schedule('config: {cron: "@daily"}\nparams: {repository: octo-org/app}\ndefault_agent: commenter')).join(
        '\n',
      ),
      /spec\.params: Trigger "nightly": agent "commenter" has github_post_comment, which needs an issue or pull request/,
    );
    // Reviews and approvals need a pull request, not an issue.
    assert.match(
      errors(
        schedule(
          'config: {cron: "@daily"}\nparams: {repository: octo-org/app, issue_number: 4}\ndefault_agent: reviewer',
        ),
      ).join('\n'),
      /agent "reviewer" has github_post_review, which needs a pull request; name it with params\.pull_number/,
    );
    assert.match(
      errors(
        schedule('config: {cron: "@daily"}\nparams: {repository: octo-org/app}\ncommands:\n  schedule: {flow: gated}'),
      ).join('\n'),
      /flow "gated" step "start" \(an approval\), which needs an issue or pull request/,
    );
    // An agent without such tools runs on its schedule with no target at all.
    assert.equal(load(schedule('config: {cron: "@daily"}\ndefault_agent: quiet')).schedules.length, 1);
  });

  it('a target that is not defined, a gate without a repository, or nothing to run are errors', () => {
    assert.match(
      errors(schedule('config: {cron: "@daily"}\ndefault_agent: quite')).join('\n'),
      /spec\.default_agent: Trigger "nightly": .*"quite".*did you mean "quiet"/,
    );
    // A gate reviews the open pull requests of a repository: it needs one, and no single issue or pull request.
    assert.match(
      errors(schedule('config: {cron: "@daily"}\ncommands:\n  schedule: {gate: afa}')).join('\n'),
      /spec\.params: a gate on a schedule reviews the open pull requests of params\.repository: name it/,
    );
    assert.match(
      errors(
        schedule(
          'config: {cron: "@daily"}\nparams: {repository: octo-org/app, pull_number: 3}\ncommands:\n  schedule: {gate: afa}',
        ),
      ).join('\n'),
      /spec\.params: a gate on a schedule reviews every open pull request of params\.repository: give no issue_number or pull_number/,
    );
    assert.match(
      errors(
        schedule('config: {cron: "@daily"}\nparams: {repository: octo-org/app}\ncommands:\n  schedule: {gate: afa}'),
      ).join('\n'),
      /spec\.commands\.schedule\.gate: Trigger "nightly": .*gate "afa", which is not defined/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily"}')).join('\n'),
      /spec\.commands: give commands\.schedule or default_agent/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily"}\ncommands:\n  nightly: {agent: quiet}')).join('\n'),
      /spec\.commands\.nightly: unknown key "nightly"/,
    );
    assert.match(
      errors(schedule('config: {cron: "@daily"}\nparams: {issue_number: 7}\ndefault_agent: quiet')).join('\n'),
      /spec\.params: an issue or pull request needs params\.repository/,
    );
    assert.match(
      errors(
        schedule('config: {cron: "@daily"}\nparams: {repository: app, issue_number: 7}\ndefault_agent: quiet'),
      ).join('\n'),
      /spec\.params\.repository: .*owner\/repo/,
    );
  });

  it('checks cron lines as Temporal reads the five fields', () => {
    for (const ok of ['*/15 * * * *', '0 9 * * MON-FRI', '0 0 1 jan,jul *', '5 4 * * 7', '@weekly'])
      assert.equal(cronProblem(ok), undefined, ok);
    for (const bad of [
      '* * * * * *',
      '0 25 * * *',
      '0 0 0 * *',
      '5-1 * * * *',
      '*/0 * * * *',
      '@often',
      'TZ=UTC 0 * * * *',
    ])
      assert.ok(cronProblem(bad), bad);
  });
});
