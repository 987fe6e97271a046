// Fleets in each coordination mode, members as child workflows talking to a fake Anthropic API that
// answers per agent. One member failing is reported beside the others' results.
import { rendered } from '../../src/sandbox/github/server.js';
import assert from 'node:assert/strict';
import { until } from '../harness/until.js';
import { example } from '../../src/fixtures/webhook-examples.js';
import { FakeAnthropic, text, systemText } from '../fakes/fake-anthropic.js';
import { daemonYaml, triggerYaml, GITHUB_TEST_PLATFORM } from '../harness/config-dir.js';
import { startStackFor, type Stack } from '../harness/stack.js';

const agent = (name: string) =>
  `apiVersion: aof.dev/v1\nkind: Agent\nmetadata: {name: ${name}}\nspec:\n  model: anthropic:claude-test\n  instructions: You are ${name}.\n  tools: [github_post_comment]\n`;
const fleet = (name: string, mode: string, members: string, extra = '') =>
  `apiVersion: aof.dev/v1\nkind: AgentFleet\nmetadata: {name: ${name}}\nspec:\n  agents: ${members}\n  coordination: {mode: ${mode}${extra}}\n`;

/** Every agent answers with its name, its verdict and which earlier answers it saw. */
function answerPerAgent(body: any) {
  const who = /^You are ([\w-]+)\./.exec(systemText(body))![1]!;
  if (who === 'broken') return { status: 400, error: { type: 'invalid_request_error', message: 'broken member' } };
  const data = JSON.parse(
    /<untrusted_github_data>\n([\s\S]*)\n<\/untrusted_github_data>/.exec(body.messages[0].content)![1]!,
  );
  const saw = (data.previous ?? []).map((p: { agent: string }) => p.agent).join('+') || 'nothing';
  const phase = /Command arguments \(untrusted\): "(\w+)"/.exec(body.messages[0].content)?.[1] ?? '';
  const verdict = { sec: 'APPROVE', perf: 'APPROVE', docs: 'REQUEST_CHANGES' }[who] ?? 'COMMENT';
  return text(`VERDICT: ${verdict}\n${who}${phase ? `/${phase}` : ''} saw ${saw}`);
}

describe('fleets', function () {
  const fake = new FakeAnthropic();
  let stack: Stack;
  before(async () => {
    fake.respondWith(answerPerAgent);
    const members = '[{name: sec, weight: 1}, {name: perf, weight: 1}, {name: docs, weight: 5}]';
    stack = await startStackFor(
      {
        'daemon.yaml': daemonYaml(GITHUB_TEST_PLATFORM, '  fleets: {directory: fleets}\n  flows: {directory: flows}\n'),
        'flows/f.yaml':
          'apiVersion: aof.dev/v1\nkind: AgentFlow\nmetadata: {name: fleet-flow}\nspec:\n  nodes:\n    - {id: start, type: fleet, config: {fleet: pipe}}\n    - {id: done, type: end}\n  connections:\n    - {from: start, to: done}\n',
        'agents/a.yaml': ['sec', 'perf', 'docs', 'lead', 'broken'].map(agent).join('---\n'),
        'fleets/f.yaml': [
          fleet('peer-majority', 'peer', members, ', consensus: majority'),
          fleet('peer-unanimous', 'peer', members, ', consensus: unanimous'),
          fleet('peer-weighted', 'peer', members, ', consensus: weighted'),
          fleet('pipe', 'pipeline', '[{name: sec}, {name: perf}, {name: docs}]'),
          fleet('hier', 'hierarchical', '[{name: lead}, {name: sec}, {name: perf}]', ', manager: lead'),
          fleet('tiers', 'tiered', '[{name: docs, tier: 1}, {name: sec, tier: 0}, {name: perf, tier: 0}]'),
          fleet(
            'with-failure',
            'peer',
            '[{name: sec}, {name: broken}, {name: docs}]',
            ', consensus: majority, max_concurrency: 1',
          ),
          fleet('writers', 'peer', '[{name: sec}]') + '  members_write: true\n',
        ].join('---\n'),
        'triggers/t.yaml': triggerYaml(
          'cmds',
          'config:\n  github_events: [issue_comment]\ncommands:\n' +
            ['peer-majority', 'peer-unanimous', 'peer-weighted', 'pipe', 'hier', 'tiers', 'with-failure', 'writers']
              .map((f) => `  /${f}: {fleet: ${f}}`)
              .join('\n') +
            '\n  /fleet-flow: {flow: fleet-flow}',
        ),
      },
      { anthropic: fake },
    );
  });
  after(async () => stack?.stop());
  beforeEach(() => stack.sandbox.reset());

  const runFleet = async (command: string) => {
    const p = example('issue_comment', 'created');
    p.comment.body = command;
    const r = await stack.send('issue_comment', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const handle = stack.client.workflow.getHandle(r.body.workflowId);
    const result = (await handle.result()).fleet!;
    const comments = stack.sandbox.comments;
    assert.equal(comments.length, 1, 'a fleet posts one comment');
    assert.equal(rendered(comments[0]!.body), result.answer);
    return { result, handle };
  };
  const summary = (outcomes: { member: string; ok: boolean; answer?: string }[]) =>
    outcomes.map((o) => (o.ok ? o.answer!.split('\n')[1] : `${o.member} failed`));

  it('peer + majority: members in parallel, the majority verdict wins', async () => {
    const { result } = await runFleet('/peer-majority');
    assert.deepEqual(summary(result.outcomes), ['sec saw nothing', 'perf saw nothing', 'docs saw nothing']);
    assert.equal(result.decision!.verdict, 'APPROVE');
    assert.match(result.answer, /\*\*Decision\*\* — majority: APPROVE \(APPROVE 2, REQUEST_CHANGES 1\)/);
  });

  it('peer + unanimous: a split vote is no consensus', async () => {
    const { result } = await runFleet('/peer-unanimous');
    assert.equal(result.decision!.verdict, null);
    assert.match(result.decision!.explanation, /unanimous: no consensus/);
  });

  it('peer + weighted: weights decide', async () => {
    const { result } = await runFleet('/peer-weighted');
    assert.equal(result.decision!.verdict, 'REQUEST_CHANGES');
    assert.match(result.decision!.explanation, /REQUEST_CHANGES 5, APPROVE 2/);
  });

  it('members write only through the fleet: their own write tools are withheld unless the fleet allows them', async () => {
    const before = fake.requests.length;
    await runFleet('/pipe');
    const memberRequests = fake.requests.slice(before);
    assert.equal(memberRequests.length, 3);
    assert.ok(
      memberRequests.every((r) => r.body.tools === undefined),
      'a member was offered a write tool',
    );
    const again = fake.requests.length;
    stack.sandbox.reset();
    await runFleet('/writers');
    assert.deepEqual(
      fake.requests.slice(again).map((r) => r.body.tools?.map((t: { name: string }) => t.name)),
      [['github_post_comment']],
    );
  });

  it('pipeline: each agent reads the outputs before it', async () => {
    const { result } = await runFleet('/pipe');
    assert.deepEqual(summary(result.outcomes), ['sec saw nothing', 'perf saw sec', 'docs saw sec+perf']);
    assert.match(result.answer, /### Summary by docs/);
  });

  it('hierarchical: the manager plans, workers execute with the plan, the manager synthesizes', async () => {
    const { result } = await runFleet('/hier');
    assert.deepEqual(summary(result.outcomes), [
      'lead/plan saw nothing',
      'sec saw lead',
      'perf saw lead',
      'lead/synthesize saw sec+perf',
    ]);
    assert.match(result.answer, /### Summary by lead\n\nVERDICT: COMMENT\nlead\/synthesize saw sec\+perf/);
  });

  it('tiered: tiers in order, each tier sees the ones before', async () => {
    const { result } = await runFleet('/tiers');
    assert.deepEqual(summary(result.outcomes), ['sec saw nothing', 'perf saw nothing', 'docs saw sec+perf']);
  });

  it('a failing member is reported beside the others, each member a child workflow', async () => {
    const { result, handle } = await runFleet('/with-failure');
    assert.deepEqual(summary(result.outcomes), ['sec saw nothing', 'broken failed', 'docs saw nothing']);
    assert.match(result.outcomes[1]!.error!, /Anthropic API answered 400: broken member/);
    // The public comment names the kind of failure and the run, never the API's message.
    assert.match(
      result.answer,
      /### broken — failed\n\n> failed: the model service failed\. Reference: github-delivery-[\w-]+\/2-broken\./,
    );
    // `\b400\b`: the reference's random delivery GUID may hold the digits 400 ("…-4004-…").
    assert.doesNotMatch(result.answer, /broken member|\b400\b/);
    assert.match(result.decision!.explanation, /majority: no consensus \(APPROVE 1, REQUEST_CHANGES 1\)/);
    // The visibility store lists runs a moment after they close: ask until all three members are listed.
    const children = async () => {
      const ids: string[] = [];
      for await (const w of stack.client.workflow.list({
        query: `WorkflowType = 'agentRunWorkflow' AND WorkflowId STARTS_WITH '${handle.workflowId}/'`,
      }))
        ids.push(w.workflowId);
      return ids;
    };
    await until('the three members to be listed', async () => (await children()).length >= 3);
    assert.equal((await children()).length, 3);
  });

  it("a flow's fleet node runs the fleet as its own child workflow and records its report", async () => {
    const p = example('issue_comment', 'created');
    p.comment.body = '/fleet-flow';
    const r = await stack.send('issue_comment', p);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const result = (await stack.client.workflow.getHandle(r.body.workflowId).result()).flow!;
    assert.deepEqual(
      result.nodes.map((n: { node: string; type: string }) => [n.node, n.type]),
      [
        ['start', 'fleet'],
        ['done', 'end'],
      ],
    );
    assert.match(result.nodes[0]!.output, /### Summary by docs/);
    // The visibility store lists a closed run a moment after it closed: ask until it does.
    await until('the flow’s fleet run to be listed as completed', async () => {
      for await (const w of stack.client.workflow.list({
        query: `WorkflowType = 'fleetRunWorkflow' AND ExecutionStatus = 'Completed'`,
      }))
        if (w.workflowId.startsWith('flow/')) return true;
      return false;
    });
  });
});
